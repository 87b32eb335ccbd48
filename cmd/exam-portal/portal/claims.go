package portal

// ClaimRequest is one member of the claims request parameter (OIDC Core
// §5.5.1). A nil *ClaimRequest asks for the claim as voluntary: JSON null.
type ClaimRequest struct {
	Essential bool  `json:"essential,omitempty"`
	Value     any   `json:"value,omitempty"`
	Values    []any `json:"values,omitempty"`
}

// ClaimsRequest is the claims request parameter (OIDC Core §5.5): the
// claims asked for in the userinfo response and in the ID token.
type ClaimsRequest struct {
	UserInfo map[string]*ClaimRequest `json:"userinfo,omitempty"`
	IDToken  map[string]*ClaimRequest `json:"id_token,omitempty"`
}

func (r *ClaimsRequest) empty() bool {
	return r == nil || len(r.UserInfo) == 0 && len(r.IDToken) == 0
}

// FormClaims is the portal's default request, read from the form's table:
// every claim an input names, asked for in userinfo, essential unless the
// input takes it as voluntary (the sensitive ethnicity). "Essential" tells
// the provider the form needs the claim (OIDC Core §5.5.1); the citizen
// may still decline it, and the item is then left to fill by hand.
func FormClaims() *ClaimsRequest {
	r := &ClaimsRequest{UserInfo: map[string]*ClaimRequest{}}
	for _, in := range formInputs() {
		if in.Claim == "" {
			continue
		}
		if in.Voluntary {
			r.UserInfo[in.Claim] = nil
		} else {
			r.UserInfo[in.Claim] = &ClaimRequest{Essential: true}
		}
	}
	return r
}
