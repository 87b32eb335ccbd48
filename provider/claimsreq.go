package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ory/fosite"

	"github.com/dinhdanh/dinhdanh/identity"
)

// The claims request parameter (OIDC Core §5.5) and OpenID Connect for
// Identity Assurance 1.0 verified_claims requests.

// Where a claim is released.
const (
	targetUserinfo = "userinfo"
	targetIDToken  = "id_token"
)

// TrustFramework is the trust framework of our verified_claims: accounts
// are proofed under Decree 69/2024.
const TrustFramework = "vn_nd69_2024"

// individualClaim is one member of the userinfo or id_token object
// (§5.5.1): null, or {essential, value, values}.
type individualClaim struct {
	Essential bool
	// Allowed holds value and values, JSON-encoded; empty means any value.
	Allowed []string
}

// matches reports whether v is one of the requested values (§5.5.1:
// "Requests that the Claim be returned with a particular value"); a claim
// whose value differs is withheld, so a yes/no check reveals nothing more.
func (c individualClaim) matches(v any) bool {
	if len(c.Allowed) == 0 {
		return true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	return slices.Contains(c.Allowed, string(b))
}

// verifiedRequest is one verified_claims request (OIDC4IDA §6).
type verifiedRequest struct {
	// Frameworks and Levels list acceptable trust frameworks and
	// assurance levels (JSON-encoded); empty means any. An element whose
	// constraints we cannot meet is left out (OIDC4IDA §6).
	Frameworks []string
	Levels     []string
	Claims     map[string]individualClaim
}

// claimsRequest is a parsed claims parameter.
type claimsRequest struct {
	Members  map[string]map[string]individualClaim // target → claim → request
	Verified map[string][]verifiedRequest          // target → requests
}

// parseClaimsParameter validates the shape of the claims parameter. Unknown
// members and claims are ignored (§5.5); a wrong shape is invalid_request.
func parseClaimsParameter(raw string) (claimsRequest, error) {
	cr := claimsRequest{Members: map[string]map[string]individualClaim{}, Verified: map[string][]verifiedRequest{}}
	if raw == "" {
		return cr, nil
	}
	top, err := decodeObject([]byte(raw))
	if err != nil {
		return cr, claimsError("The claims parameter must be a JSON object (OIDC Core §5.5).")
	}
	for _, target := range []string{targetUserinfo, targetIDToken} {
		body, ok := top[target]
		if !ok || isNull(body) {
			continue
		}
		members, err := decodeObject(body)
		if err != nil {
			return cr, claimsError(fmt.Sprintf("claims.%s must be a JSON object.", target))
		}
		cr.Members[target] = map[string]individualClaim{}
		for name, m := range members {
			if name == identity.VerifiedClaims {
				vr, err := parseVerified(target, m)
				if err != nil {
					return cr, err
				}
				cr.Verified[target] = vr
				continue
			}
			ic, err := parseIndividual(m)
			if err != nil {
				return cr, claimsError(fmt.Sprintf("claims.%s.%s: %s", target, name, err))
			}
			cr.Members[target][name] = ic
		}
	}
	return cr, nil
}

func parseIndividual(raw json.RawMessage) (individualClaim, error) {
	var ic individualClaim
	if isNull(raw) {
		return ic, nil
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return ic, fmt.Errorf("must be null or an object with essential, value or values")
	}
	if e, ok := obj["essential"]; ok {
		if err := json.Unmarshal(e, &ic.Essential); err != nil {
			return ic, fmt.Errorf("essential must be true or false")
		}
	}
	if v, ok := obj["value"]; ok {
		ic.Allowed = append(ic.Allowed, canonical(v))
	}
	if vs, ok := obj["values"]; ok {
		var list []json.RawMessage
		if err := json.Unmarshal(vs, &list); err != nil || len(list) == 0 {
			return ic, fmt.Errorf("values must be a non-empty array")
		}
		for _, v := range list {
			ic.Allowed = append(ic.Allowed, canonical(v))
		}
	}
	return ic, nil
}

// parseVerified reads verified_claims: an object or a non-empty array of
// objects, each with a verification object and a non-empty claims object
// (OIDC4IDA §6).
func parseVerified(target string, raw json.RawMessage) ([]verifiedRequest, error) {
	where := "claims." + target + ".verified_claims"
	var items []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
			return nil, claimsError(where + " must be an object or a non-empty array of objects.")
		}
	} else {
		items = []json.RawMessage{raw}
	}
	out := make([]verifiedRequest, 0, len(items))
	for _, item := range items {
		obj, err := decodeObject(item)
		if err != nil {
			return nil, claimsError(where + " must be an object with verification and claims.")
		}
		verification, err := decodeObject(obj["verification"])
		if err != nil {
			return nil, claimsError(where + ".verification must be an object (OIDC4IDA §6).")
		}
		var vr verifiedRequest
		if tf, ok := verification["trust_framework"]; ok {
			ic, err := parseIndividual(tf)
			if err != nil {
				return nil, claimsError(where + ".verification.trust_framework: " + err.Error())
			}
			vr.Frameworks = ic.Allowed
		}
		if al, ok := verification["assurance_level"]; ok {
			ic, err := parseIndividual(al)
			if err != nil {
				return nil, claimsError(where + ".verification.assurance_level: " + err.Error())
			}
			vr.Levels = ic.Allowed
		}
		claims, err := decodeObject(obj["claims"])
		if err != nil || len(claims) == 0 {
			return nil, claimsError(where + ".claims must be a non-empty object (OIDC4IDA §6).")
		}
		vr.Claims = map[string]individualClaim{}
		for name, m := range claims {
			ic, err := parseIndividual(m)
			if err != nil {
				return nil, claimsError(fmt.Sprintf("%s.claims.%s: %s", where, name, err))
			}
			vr.Claims[name] = ic
		}
		out = append(out, vr)
	}
	return out, nil
}

// forClient drops the claims the client is not registered for (its
// scopes, or the scope a derived claim is computed from): the claims
// parameter cannot reach data a client was never approved to ask for.
func (cr claimsRequest) forClient(registered []string) claimsRequest {
	allowed := func(name string) bool {
		c, ok := identity.LookupClaim(name)
		return ok && c.RegisteredFor(registered)
	}
	out := claimsRequest{Members: map[string]map[string]individualClaim{}, Verified: map[string][]verifiedRequest{}}
	for target, members := range cr.Members {
		out.Members[target] = map[string]individualClaim{}
		for name, ic := range members {
			if allowed(name) {
				out.Members[target][name] = ic
			}
		}
	}
	for target, list := range cr.Verified {
		for _, vr := range list {
			kept := verifiedRequest{Frameworks: vr.Frameworks, Levels: vr.Levels, Claims: map[string]individualClaim{}}
			for name, ic := range vr.Claims {
				if allowed(name) {
					kept.Claims[name] = ic
				}
			}
			if len(kept.Claims) > 0 {
				out.Verified[target] = append(out.Verified[target], kept)
			}
		}
	}
	return out
}

// acceptsOurFramework reports whether the request accepts vn_nd69_2024.
func (vr verifiedRequest) acceptsOurFramework() bool {
	return individualClaim{Allowed: vr.Frameworks}.matches(TrustFramework)
}

func claimsError(desc string) error {
	return fosite.ErrInvalidRequest.WithHint(desc)
}

func decodeObject(raw []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || isNull(raw) {
		return nil, fmt.Errorf("not an object")
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	return obj, nil
}

func isNull(raw []byte) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// canonical re-encodes a JSON value so equal values compare equal.
func canonical(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Ask is one claim a request asks for, merged across scopes, the claims
// parameter and verified_claims.
type Ask struct {
	Claim     identity.Claim
	Essential bool
	// Verified: asked (also) inside verified_claims.
	Verified bool
}

// asks lists what a request asks for, in catalog order. Scopes ask for
// their claims in userinfo, voluntarily (§5.4); unknown names are ignored.
func asks(scopes []string, cr claimsRequest) []Ask {
	byName := map[string]*Ask{}
	add := func(name string, essential, verified bool) {
		c, ok := identity.LookupClaim(name)
		if !ok || verified && !c.Verifiable && name != identity.VerifiedClaims {
			return
		}
		if c.With != "" {
			// Consented with the claim it qualifies.
			name, essential = c.With, false
			if c, ok = identity.LookupClaim(name); !ok {
				return
			}
		}
		a := byName[name]
		if a == nil {
			a = &Ask{Claim: c}
			byName[name] = a
		}
		a.Essential = a.Essential || essential
		a.Verified = a.Verified || verified
	}
	for _, c := range identity.ClaimsForScopes(scopes) {
		add(c.Name, false, false)
	}
	for _, target := range []string{targetUserinfo, targetIDToken} {
		for name, ic := range cr.Members[target] {
			add(name, ic.Essential, false)
		}
		for _, vr := range cr.Verified[target] {
			if !vr.acceptsOurFramework() {
				continue
			}
			essential, verifiable := false, false
			for name, ic := range vr.Claims {
				if c, ok := identity.LookupClaim(name); ok && c.Verifiable {
					add(name, ic.Essential, true)
					essential, verifiable = essential || ic.Essential, true
				}
			}
			if verifiable {
				// The verification element only with something verified.
				add(identity.VerifiedClaims, essential, true)
			}
		}
	}
	out := make([]Ask, 0, len(byName))
	for _, c := range append(slices.Clone(identity.Claims), identity.VerifiedClaimsEntry) {
		if a := byName[c.Name]; a != nil {
			out = append(out, *a)
		}
	}
	return out
}

// releaseInput is what a release is computed from.
type releaseInput struct {
	Scopes    []string // granted; only for userinfo
	Request   claimsRequest
	Consented []string
	Citizen   identity.Citizen
	Account   identity.Account
	AuthLevel int
	Verified  func() map[string]any // the verification element
}

// release assembles the claims for one target: asked for there, consented,
// available at the account and authentication level, held, and matching
// any requested value. Nothing else is ever released.
func release(target string, in releaseInput, now time.Time) map[string]any {
	out := map[string]any{}
	value := func(name string, ic individualClaim, verified bool) (any, bool) {
		c, ok := identity.LookupClaim(name)
		if !ok || name == identity.VerifiedClaims || verified && !c.Verifiable {
			return nil, false
		}
		consentedAs := name
		if c.With != "" {
			consentedAs = c.With // released along with it (see below)
		}
		if !slices.Contains(in.Consented, consentedAs) || !c.Available(in.Account, in.AuthLevel) {
			return nil, false
		}
		v, ok := c.Value(in.Citizen, in.Account, now)
		if !ok || !ic.matches(v) {
			return nil, false
		}
		return v, true
	}
	if target == targetUserinfo {
		for _, c := range identity.ClaimsForScopes(in.Scopes) {
			if v, ok := value(c.Name, individualClaim{}, false); ok {
				out[c.Name] = v
			}
		}
	}
	for name, ic := range in.Request.Members[target] {
		if v, ok := value(name, ic, false); ok {
			out[name] = v
		}
	}
	for name := range out {
		// A qualifier goes only with the claim it qualifies.
		if c, _ := identity.LookupClaim(name); c.With != "" && out[c.With] == nil {
			delete(out, name)
		}
	}
	if !slices.Contains(in.Consented, identity.VerifiedClaims) {
		return out
	}
	var verified []any
	for _, vr := range in.Request.Verified[target] {
		if !vr.acceptsOurFramework() || !(individualClaim{Allowed: vr.Levels}).matches(strconv.Itoa(int(in.Account.Level))) {
			continue
		}
		claims := map[string]any{}
		for name, ic := range vr.Claims {
			if v, ok := value(name, ic, true); ok {
				claims[name] = v
			}
		}
		// OIDC4IDA §6.5: a verified_claims element without claims is
		// omitted.
		if len(claims) > 0 {
			verified = append(verified, map[string]any{"verification": in.Verified(), "claims": claims})
		}
	}
	switch len(verified) {
	case 0:
	case 1:
		out[identity.VerifiedClaims] = verified[0]
	default:
		out[identity.VerifiedClaims] = verified
	}
	return out
}
