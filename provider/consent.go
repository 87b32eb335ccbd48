package provider

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dinhdanh/dinhdanh/identity"
)

// ItemState says what the consent page does with a requested claim.
type ItemState int

const (
	// ItemAsk: the citizen decides now.
	ItemAsk ItemState = iota
	// ItemGranted: consented earlier for this client; shown, not asked.
	ItemGranted
	// ItemNeedsLevel2Account: a document claim, and the account was not
	// issued in person (Decree 69/2024): withheld.
	ItemNeedsLevel2Account
	// ItemNeedsLevel2Login: a document claim for a level-2 account logged
	// in with one factor: withheld.
	ItemNeedsLevel2Login
	// ItemDeclined: left unticked earlier and still voluntary: withheld,
	// not asked again (prompt=consent asks everything again).
	ItemDeclined
)

// ConsentItem is one requested claim as the consent page shows it.
type ConsentItem struct {
	Claim     identity.Claim
	Essential bool
	Verified  bool
	// Value is what would be released; Held is false when the record has
	// no value (nothing is released, but consent still covers the claim).
	Value any
	Held  bool
	State ItemState
}

// Checkbox reports whether the citizen chooses this item with a checkbox:
// voluntary claims, and every sensitive claim, which needs its own tick
// even when the client says it is essential (Decree 13/2023 art. 11).
// Other essential claims are fixed: the citizen may only deny the whole.
func (i ConsentItem) Checkbox() bool {
	return i.State == ItemAsk && (!i.Essential || i.Claim.Class == identity.Sensitive)
}

// ConsentItems lists what the pending request asks for, with values, for
// the consent page of the logged-in citizen.
func (p *Provider) ConsentItems(r *http.Request, interactionID string) ([]ConsentItem, error) {
	it, err := p.boundInteraction(r, interactionID)
	if err != nil {
		return nil, err
	}
	c, err := p.consentItems(r, it)
	return c.items, err
}

// consentCase is what one consent decision is made from, read once.
type consentCase struct {
	items  []ConsentItem
	client identity.Client
	scopes []string              // requested and supported
	stored identity.ConsentGrant // as stored (zero if none)
}

func (p *Provider) consentItems(r *http.Request, it identity.Interaction) (consentCase, error) {
	ctx := r.Context()
	now := p.cfg.Now()
	sess, err := p.currentSession(r, now)
	if it.AuthTime.IsZero() || err != nil || sess.AccountID != it.AccountID {
		// Only the citizen logged in on this browser sees or decides.
		return consentCase{}, identity.ErrNotFound
	}
	form, err := url.ParseQuery(it.Form)
	if err != nil {
		return consentCase{}, err
	}
	cr, err := parseClaimsParameter(form.Get("claims"))
	if err != nil {
		return consentCase{}, err
	}
	client, err := p.store.GetIdentityClient(ctx, it.ClientID)
	if err != nil {
		return consentCase{}, err
	}
	cr = cr.forClient(client.Scopes)
	acc, err := p.store.GetAccount(ctx, it.AccountID)
	if err != nil {
		return consentCase{}, err
	}
	cit, err := p.store.GetCitizen(ctx, acc.PIN)
	if err != nil {
		return consentCase{}, err
	}
	stored, err := p.store.GetConsent(ctx, it.AccountID, it.ClientID)
	if err != nil && !errors.Is(err, identity.ErrNotFound) {
		return consentCase{}, err
	}
	grant := stored
	if slices.Contains(strings.Fields(form.Get("prompt")), "consent") {
		grant = identity.ConsentGrant{} // prompt=consent: ask everything again
	}
	level := LevelOfACR(sess.ACR)
	scopes := supportedScopes(strings.Fields(form.Get("scope")))
	var items []ConsentItem
	for _, a := range asks(scopes, cr) {
		item := ConsentItem{Claim: a.Claim, Essential: a.Essential, Verified: a.Verified}
		if a.Claim.Name == identity.VerifiedClaims {
			item.Value, item.Held = int(acc.Level), true
		} else {
			item.Value, item.Held = a.Claim.Value(cit, acc, now)
		}
		switch {
		case a.Claim.MinLevel > 0 && acc.Level < a.Claim.MinLevel:
			item.State = ItemNeedsLevel2Account
		case !a.Claim.Available(acc, level):
			item.State = ItemNeedsLevel2Login
		case slices.Contains(grant.Claims, a.Claim.Name):
			item.State = ItemGranted
		case !a.Essential && slices.Contains(grant.Declined, a.Claim.Name):
			item.State = ItemDeclined
		}
		items = append(items, item)
	}
	return consentCase{items: items, client: client, scopes: scopes, stored: stored}, nil
}

// Decide records the citizen's consent decision. On allow, the grant for
// (account, client) records exactly which claims were consented and which
// were left unticked, with the purpose shown, so a later request asks
// again only for claims not yet decided.
func (p *Provider) Decide(r *http.Request, interactionID string, allow bool, ticked []string) error {
	ctx := r.Context()
	it, err := p.boundInteraction(r, interactionID)
	if err != nil {
		return err
	}
	c, err := p.consentItems(r, it)
	if err != nil {
		return err
	}
	if !allow {
		it.Decision = "deny"
		return p.store.UpdateInteraction(ctx, it)
	}
	old := c.stored
	claims, declined := slices.Clone(old.Claims), slices.Clone(old.Declined)
	for _, item := range c.items {
		if item.State != ItemAsk {
			continue
		}
		name := item.Claim.Name
		// A ticked value is honoured only for an item offered with a
		// checkbox: a crafted form cannot add a claim that was not asked.
		yes := !item.Checkbox() || slices.Contains(ticked, name)
		claims = slices.DeleteFunc(claims, func(c string) bool { return c == name })
		declined = slices.DeleteFunc(declined, func(c string) bool { return c == name })
		if yes {
			claims = append(claims, name)
		} else {
			declined = append(declined, name)
		}
	}
	scopes := slices.Clone(c.scopes)
	for _, s := range old.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	grant := identity.ConsentGrant{ID: identity.NewID(), AccountID: it.AccountID, ClientID: it.ClientID,
		Scopes: scopes, Claims: claims, Declined: declined, Purpose: c.client.Purpose, GrantedAt: p.cfg.Now()}
	if err := p.store.SaveConsent(ctx, grant); err != nil {
		return err
	}
	it.Decision = "allow"
	return p.store.UpdateInteraction(ctx, it)
}
