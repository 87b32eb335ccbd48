package consentui

import (
	"context"
	"net/http"

	"github.com/dinhdanh/dinhdanh/provider"
)

// Logout is what the logout pages need from the provider.
type Logout interface {
	ParseLogoutForm(r *http.Request) (provider.LogoutRequest, error)
	EndSession(w http.ResponseWriter, r *http.Request) error
	EndAccountSession(ctx context.Context, accountID, sessionID string) error
	WithdrawConsent(ctx context.Context, accountID, clientID string) error
	FinishLogout(w http.ResponseWriter, r *http.Request, req provider.LogoutRequest)
}

// ConfirmLogout asks the citizen before logging out when the request
// does not prove who sent it (RP-Initiated Logout 1.0 §6).
func (h *Handler) ConfirmLogout(w http.ResponseWriter, r *http.Request, req provider.LogoutRequest) {
	h.page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := pickLang(r, req.UILocales)
		h.render(w, r, http.StatusOK, "logout", view{Lang: lang, CSRF: h.csrfToken(w, r), ClientName: req.ClientName,
			Logout: &req})
	})).ServeHTTP(w, r)
}

// LoggedOut confirms the logout when there is nowhere to send the citizen.
func (h *Handler) LoggedOut(w http.ResponseWriter, r *http.Request, req provider.LogoutRequest) {
	h.page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusOK, "loggedout", view{Lang: pickLang(r, req.UILocales), Title: T(pickLang(r, req.UILocales), "logout.done")})
	})).ServeHTTP(w, r)
}

// postLogout handles the confirmation form.
func (h *Handler) postLogout(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	req, err := h.logout.ParseLogoutForm(r)
	if err != nil {
		h.renderError(w, r, lang, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if r.PostFormValue("decision") == "logout" {
		if err := h.logout.EndSession(w, r); err != nil {
			h.log.Error("ending session failed", "err", err)
			h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
			return
		}
		h.log.Info("logout")
	}
	h.logout.FinishLogout(w, r, req)
}
