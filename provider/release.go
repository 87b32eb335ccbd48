package provider

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/dinhdanh/dinhdanh/identity"
)

// personalClaims computes what a token's session releases to target, from
// the citizen's record as it is now.
func (p *Provider) personalClaims(ctx context.Context, s *Session, client fosite.Client, target string, scopes []string) (map[string]any, error) {
	cr, err := parseClaimsParameter(s.ClaimsParam)
	if err != nil {
		return nil, err // validated at the authorization endpoint
	}
	cr = cr.forClient(client.GetScopes())
	if target == targetIDToken && len(cr.Members[target]) == 0 && len(cr.Verified[target]) == 0 {
		return map[string]any{}, nil // nothing asked for: no lookups
	}
	acc, err := p.store.GetAccount(ctx, s.AccountID)
	if err != nil {
		return nil, err
	}
	cit, err := p.store.GetCitizen(ctx, acc.PIN)
	if err != nil {
		return nil, err
	}
	// Consented when the token was issued and still consented now: a
	// claim unticked later is no longer released under older tokens.
	var consented []string
	grant, err := p.store.GetConsent(ctx, s.AccountID, client.GetID())
	switch {
	case err == nil:
		for _, c := range s.Claims {
			if slices.Contains(grant.Claims, c) {
				consented = append(consented, c)
			}
		}
	case !errors.Is(err, identity.ErrNotFound):
		return nil, err
	}
	now := p.cfg.Now()
	return release(target, releaseInput{
		Scopes: scopes, Request: cr, Consented: consented, Citizen: cit, Account: acc,
		AuthLevel: LevelOfACR(s.IDTokenClaims().AuthenticationContextClassReference),
		Verified:  func() map[string]any { return verification(acc) },
	}, now), nil
}

// verification is the OIDC4IDA verification element for an account: the
// Decree 69/2024 framework, the account level, and how the identity was
// proofed. Level 2 accounts are issued in person by the police with the
// chip card (vpip); level 1 are self-registered with the chip read by NFC
// (vcrypt) and a selfie compared remotely (bvr).
func verification(acc identity.Account) map[string]any {
	at := acc.CreatedAt.UTC().Format(time.RFC3339)
	checks := []map[string]any{{"check_method": "vcrypt", "time": at}, {"check_method": "bvr", "time": at}}
	if acc.Level >= identity.Level2 {
		checks = []map[string]any{{"check_method": "vpip", "organization": "Bộ Công an", "time": at}}
	}
	return map[string]any{
		"trust_framework": TrustFramework,
		"assurance_level": strconv.Itoa(int(acc.Level)),
		"time":            at,
		"evidence": []any{map[string]any{
			"type":          "document",
			"check_details": checks,
			"document_details": map[string]any{
				"type":   "idcard",
				"issuer": map[string]any{"name": "Bộ Công an", "country_code": "VNM"},
			},
		}},
	}
}

// disclosedNames lists released claim names for the disclosure log:
// verified claims as "verified_claims.NAME". Never values.
func disclosedNames(claims map[string]any) []string {
	var names []string
	for k, v := range claims {
		switch k {
		case "sub":
			continue
		case identity.VerifiedClaims:
			var elems []any
			switch vv := v.(type) {
			case []any:
				elems = vv
			default:
				elems = []any{vv}
			}
			for _, e := range elems {
				inner, _ := e.(map[string]any)["claims"].(map[string]any)
				for n := range inner {
					if full := identity.VerifiedClaims + "." + n; !slices.Contains(names, full) {
						names = append(names, full)
					}
				}
			}
		default:
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

// idTokenStrategy adds the claims requested for the ID token (OIDC Core
// §5.5 id_token member) at the moment the token is issued, so the values
// are current (and derived ones computed that day), no personal data is
// stored with codes or tokens, and each release is logged.
type idTokenStrategy struct {
	inner openid.OpenIDConnectTokenStrategy
	p     *Provider
}

func (s *idTokenStrategy) GenerateIDToken(ctx context.Context, lifespan time.Duration, req fosite.Requester) (string, error) {
	sess, ok := req.GetSession().(*Session)
	if !ok || sess.AccountID == "" || sess.ClaimsParam == "" {
		return s.inner.GenerateIDToken(ctx, lifespan, req)
	}
	claims, err := s.p.personalClaims(ctx, sess, req.GetClient(), targetIDToken, nil)
	if err != nil {
		return "", fosite.ErrServerError.WithWrap(err)
	}
	if len(claims) == 0 {
		return s.inner.GenerateIDToken(ctx, lifespan, req)
	}
	withClaims := sess.Clone().(*Session)
	extra := withClaims.IDTokenClaims().Extra
	if extra == nil {
		extra = map[string]any{}
	}
	for k, v := range claims {
		extra[k] = v
	}
	withClaims.IDTokenClaims().Extra = extra
	token, err := s.inner.GenerateIDToken(ctx, lifespan, &requesterWithSession{Requester: req, session: withClaims})
	if err != nil {
		return "", err
	}
	// No release without its record (Decree 13/2023: verifiable).
	if err := s.p.store.AppendDisclosure(ctx, identity.Disclosure{AccountID: sess.AccountID, ClientID: req.GetClient().GetID(), At: s.p.cfg.Now(),
		Claims: disclosedNames(claims), ACR: sess.IDTokenClaims().AuthenticationContextClassReference, Channel: targetIDToken}); err != nil {
		return "", fosite.ErrServerError.WithWrap(err)
	}
	return token, nil
}

// requesterWithSession shows the ID-token strategy a session carrying the
// released claims without changing the stored one.
type requesterWithSession struct {
	fosite.Requester
	session fosite.Session
}

func (r *requesterWithSession) GetSession() fosite.Session { return r.session }
