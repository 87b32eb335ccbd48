package consentui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/internal/csvsafe"
	"github.com/dinhdanh/dinhdanh/provider"
)

// Disclosures is what the account page needs to show the disclosure log.
type Disclosures interface {
	ListDisclosures(ctx context.Context, accountID string, f identity.DisclosureFilter) ([]identity.Disclosure, error)
	ListConsents(ctx context.Context, accountID string) ([]identity.ConsentGrant, error)
	GetIdentityClient(ctx context.Context, id string) (identity.Client, error)
}

type disclosureView struct {
	At         time.Time `json:"at"`
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client_name"`
	Claims     []string  `json:"claims"`
	Labels     []string  `json:"-"`
	Level      int       `json:"level"`
}

// disclosureRows loads the log, newest first, filtered by ?client=.
func (h *Handler) disclosureRows(r *http.Request, lang, accountID string) ([]disclosureView, error) {
	ctx := r.Context()
	list, err := h.disclosures.ListDisclosures(ctx, accountID, identity.DisclosureFilter{ClientID: r.URL.Query().Get("client"), Limit: 500})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]disclosureView, 0, len(list))
	for _, d := range list {
		name, ok := names[d.ClientID]
		if !ok {
			name = d.ClientID
			if c, err := h.disclosures.GetIdentityClient(ctx, d.ClientID); err == nil {
				name = c.Name
			}
			names[d.ClientID] = name
		}
		v := disclosureView{At: d.At, ClientID: d.ClientID, ClientName: name, Claims: d.Claims, Level: provider.LevelOfACR(d.ACR)}
		for _, c := range d.Claims {
			v.Labels = append(v.Labels, claimLabel(c, lang))
		}
		out = append(out, v)
	}
	return out, nil
}

func claimLabel(name, lang string) string {
	if inner, ok := strings.CutPrefix(name, identity.VerifiedClaims+"."); ok {
		return claimLabel(inner, lang) + " (" + T(lang, "consent.verified") + ")"
	}
	if c, ok := identity.LookupClaim(name); ok {
		return pick(lang, c.LabelVI, c.LabelEN)
	}
	return name
}

// getDisclosuresFile downloads the log as CSV or JSON.
func (h *Handler) getDisclosuresFile(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.accountSession(w, r)
		if !ok {
			return
		}
		rows, err := h.disclosureRows(r, langEN, s.AccountID)
		if err != nil {
			h.log.Error("reading the disclosure log failed", "err", err)
			h.renderError(w, r, pickLang(r, ""), http.StatusInternalServerError, "server_error", "")
			return
		}
		w.Header().Set("Content-Disposition", `attachment; filename="disclosures.`+format+`"`)
		if format == "json" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(rows)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		// Client names are the relying parties' own text: every cell goes
		// through csvsafe, so none runs as a formula when the citizen
		// opens the file (OWASP CSV Injection).
		cw := csvsafe.NewWriter(w)
		_ = cw.Write([]string{"time", "client_id", "client_name", "claims", "level"})
		for _, d := range rows {
			_ = cw.Write([]string{d.At.UTC().Format(time.RFC3339), d.ClientID, d.ClientName, strings.Join(d.Claims, " "), itoa(d.Level)})
		}
		if err := cw.Flush(); err != nil {
			h.log.Warn("writing the disclosure CSV failed", "err", err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

type consentView struct {
	ClientID   string
	ClientName string
	Labels     []string
	Since      time.Time
}

// consentRows lists the services that hold the citizen's consent.
func (h *Handler) consentRows(r *http.Request, lang, accountID string) ([]consentView, error) {
	grants, err := h.disclosures.ListConsents(r.Context(), accountID)
	if err != nil {
		return nil, err
	}
	out := make([]consentView, 0, len(grants))
	for _, g := range grants {
		v := consentView{ClientID: g.ClientID, ClientName: g.ClientID, Since: g.GrantedAt}
		if c, err := h.disclosures.GetIdentityClient(r.Context(), g.ClientID); err == nil {
			v.ClientName = c.Name
		}
		for _, c := range g.Claims {
			v.Labels = append(v.Labels, claimLabel(c, lang))
		}
		out = append(out, v)
	}
	return out, nil
}

// postWithdraw withdraws a service's consent from the account page.
func (h *Handler) postWithdraw(w http.ResponseWriter, r *http.Request) {
	lang, s, ok := h.accountPost(w, r)
	if !ok {
		return
	}
	if err := h.logout.WithdrawConsent(r.Context(), s.AccountID, r.PostFormValue("client_id")); err != nil && !errors.Is(err, identity.ErrNotFound) {
		h.log.Error("withdrawing consent failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	h.log.Info("consent withdrawn", "account", s.AccountID)
	http.Redirect(w, r, "/account?notice=withdrawn", http.StatusSeeOther)
}
