package provider

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/ory/fosite"
)

// Authentication context classes (DOMAIN.md). The short aliases are
// accepted on input; tokens always carry the URN.
var acrLevel = map[string]int{
	"urn:vn:eid:loa:1": 1, "LoA1": 1, "1": 1,
	"urn:vn:eid:loa:2": 2, "LoA2": 2, "2": 2,
	"urn:vn:eid:loa:3": 3, "LoA3": 3, "3": 3,
	"urn:vn:eid:loa:4": 4, "LoA4": 4, "4": 4,
}

// maxSupportedLevel is the highest level this provider can authenticate
// (password + SMS or TOTP code).
const maxSupportedLevel = 2

// ACRForLevel returns the URN of a level.
func ACRForLevel(level int) string {
	if level >= 2 {
		return ACRLevel2
	}
	return ACRLevel1
}

// LevelOfACR returns the level of an acr value, 0 if unknown.
func LevelOfACR(acr string) int { return acrLevel[acr] }

// errUnmetAuthentication is OpenID Connect Core Unmet Authentication
// Requirements 1.0 §2.
var errUnmetAuthentication = &fosite.RFC6749Error{
	ErrorField:       "unmet_authentication_requirements",
	DescriptionField: "The requested authentication level cannot be met.",
	CodeField:        http.StatusBadRequest,
}

// requiredLevel is the lowest level the request accepts: the least of the
// known acr_values (any of them will do, OIDC Core §3.1.2.1), raised by an
// essential acr claim in the claims parameter (§5.5.1.1) and by the
// client's registered minimum. A request only for levels beyond what we
// can do is refused rather than silently served at a lower level.
func requiredLevel(form url.Values, clientMin int) (int, error) {
	level := 0
	if raw := form.Get("acr_values"); raw != "" {
		lowest := 0
		for _, v := range strings.Fields(raw) {
			if l := acrLevel[v]; l > 0 && (lowest == 0 || l < lowest) {
				lowest = l
			}
		}
		level = lowest
	}
	essential, err := essentialACR(form.Get("claims"))
	if err != nil {
		return 0, err
	}
	level = max(level, essential, clientMin)
	if level > maxSupportedLevel {
		return 0, errUnmetAuthentication.WithHintf("Level %d is not offered; the highest is %s.", level, ACRForLevel(maxSupportedLevel))
	}
	return level, nil
}

// essentialACR reads {"id_token":{"acr":{"essential":true,"values":[…]}}}
// (OIDC Core §5.5.1.1): the least listed level, if essential.
func essentialACR(raw string) (int, error) {
	if raw == "" {
		return 0, nil
	}
	var req struct {
		IDToken map[string]json.RawMessage `json:"id_token"`
	}
	var acr *struct {
		Essential bool     `json:"essential"`
		Value     string   `json:"value"`
		Values    []string `json:"values"`
	}
	if json.Unmarshal([]byte(raw), &req) != nil || req.IDToken["acr"] != nil && json.Unmarshal(req.IDToken["acr"], &acr) != nil {
		return 0, fosite.ErrInvalidRequest.WithHint("The claims parameter is not valid JSON of the shape OIDC Core §5.5 defines (acr takes string values).")
	}
	if acr == nil || !acr.Essential {
		return 0, nil
	}
	values := acr.Values
	if acr.Value != "" {
		values = append(values, acr.Value)
	}
	lowest := 0
	for _, v := range values {
		if l := acrLevel[v]; l > 0 && (lowest == 0 || l < lowest) {
			lowest = l
		}
	}
	if lowest == 0 && len(values) > 0 {
		return 0, errUnmetAuthentication.WithHint("None of the essential acr values is known.")
	}
	return lowest, nil
}

// decisionUnmet marks an interaction whose citizen has no second factor
// that counts for the level asked (identity.Assurance): the relying party
// gets unmet_authentication_requirements instead of a lower level.
const decisionUnmet = "unmet"

// Unmet records that the citizen cannot meet the request's level; the
// continue URL then answers the relying party with the error.
func (p *Provider) Unmet(r *http.Request, interactionID string) error {
	it, err := p.boundInteraction(r, interactionID)
	if err != nil {
		return err
	}
	it.Decision = decisionUnmet
	return p.store.UpdateInteraction(r.Context(), it)
}
