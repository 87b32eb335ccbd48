package consentui

import (
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// Sessions is what the account page needs to list sessions.
type Sessions interface {
	ListAuthSessions(ctx context.Context, accountID string, now time.Time) ([]identity.AuthSession, error)
}

// freshFor is how recent a level-2 login must be to change factors.
const freshFor = 10 * time.Minute

// accountView is the account page's own data.
type accountView struct {
	Sessions      []sessionView
	TOTPEnrolled  bool
	TOTPQR        template.URL // data: URI of the enrolment QR code
	TOTPSecret    string       // for typing in when the camera cannot scan
	RecoveryCodes []string
	Disclosures   []disclosureView
	Filter        string
	Consents      []consentView
	Level         int
	Record        []recordPartView
}

type sessionView struct {
	ID       string
	AuthTime time.Time
	Level    int
	Current  bool
}

// endOtherSessions ends every session of the account but keep (with
// back-channel logout): after a password change or reset, whoever knew
// the old password is logged out everywhere.
func (h *Handler) endOtherSessions(r *http.Request, accountID, keep string) {
	list, err := h.sessions.ListAuthSessions(r.Context(), accountID, h.now())
	if err != nil {
		h.log.Warn("listing sessions to end failed", "account", accountID, "err", err)
		return
	}
	for _, s := range list {
		if s.ID != keep {
			if err := h.logout.EndAccountSession(r.Context(), accountID, s.ID); err != nil && !errors.Is(err, identity.ErrNotFound) {
				h.log.Warn("ending a session failed", "account", accountID, "err", err)
			}
		}
	}
}

// accountPost starts every account-page form: the session, or a redirect
// to login (the CSRF token was checked by page).
func (h *Handler) accountPost(w http.ResponseWriter, r *http.Request) (string, identity.AuthSession, bool) {
	s, ok := h.accountSession(w, r)
	return pickLang(r, ""), s, ok
}

// accountSession returns the logged-in account, or redirects to login.
// A session from an SMS code alone (passwordless login) is refused: the
// account page shows personal data, withdraws consents and downloads the
// disclosure log, which a stolen SIM alone must not reach; the login page
// says a password login is needed.
func (h *Handler) accountSession(w http.ResponseWriter, r *http.Request) (identity.AuthSession, bool) {
	s, ok := h.flow.BrowserSession(r)
	if !ok {
		http.Redirect(w, r, provider.PathLogin, http.StatusSeeOther)
		return s, false
	}
	if !slices.Contains(s.AMR, "pwd") {
		lang := pickLang(r, "")
		h.render(w, r, http.StatusForbidden, "login", view{Lang: lang, CSRF: h.csrfToken(w, r), Error: T(lang, "account.need_pwd_login")})
		return identity.AuthSession{}, false
	}
	return s, true
}

func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) {
	s, ok := h.accountSession(w, r)
	if !ok {
		return
	}
	v := view{}
	if r.URL.Query().Get("notice") == "withdrawn" {
		// Said after the redirect, so a reload does not repeat the form.
		v.Notice = T(pickLang(r, ""), "account.withdrawn")
	}
	h.renderAccount(w, r, pickLang(r, ""), s, http.StatusOK, v)
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, lang string, s identity.AuthSession, status int, v view) {
	ctx := r.Context()
	list, err := h.sessions.ListAuthSessions(ctx, s.AccountID, h.now())
	if err != nil {
		h.log.Error("listing sessions failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	if v.Account == nil {
		v.Account = &accountView{}
	}
	for _, x := range list {
		v.Account.Sessions = append(v.Account.Sessions, sessionView{ID: x.ID, AuthTime: x.AuthTime, Level: provider.LevelOfACR(x.ACR), Current: x.ID == s.ID})
	}
	if v.Account.Disclosures, err = h.disclosureRows(r, lang, s.AccountID); err != nil {
		h.log.Error("reading the disclosure log failed", "err", err)
	}
	v.Account.Filter = r.URL.Query().Get("client")
	if v.Account.Level, v.Account.Record, err = h.personalData(r, lang, s.AccountID); err != nil {
		h.log.Error("reading the citizen record failed", "err", err)
	}
	if v.Account.Consents, err = h.consentRows(r, lang, s.AccountID); err != nil {
		h.log.Error("listing consents failed", "err", err)
	}
	if v.Account.TOTPEnrolled, err = h.totp.Enrolled(ctx, s.AccountID); err != nil {
		h.log.Error("reading TOTP enrolment failed", "err", err)
	}
	v.Lang, v.CSRF = lang, h.csrfToken(w, r)
	h.render(w, r, status, "account", v)
}

// postEndSession ends one of the citizen's sessions (maybe this one).
func (h *Handler) postEndSession(w http.ResponseWriter, r *http.Request) {
	lang, s, ok := h.accountPost(w, r)
	if !ok {
		return
	}
	id := r.PostFormValue("session_id")
	if err := h.logout.EndAccountSession(r.Context(), s.AccountID, id); err != nil && !errors.Is(err, identity.ErrNotFound) {
		h.log.Error("ending session failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	h.log.Info("session ended by citizen", "account", s.AccountID)
	if id == s.ID {
		_ = h.logout.EndSession(w, r)
		http.Redirect(w, r, provider.PathLogin, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// postTOTPBegin starts enrolling an authenticator app: a QR code to scan.
func (h *Handler) postTOTPBegin(w http.ResponseWriter, r *http.Request) {
	lang, s, ok := h.accountPost(w, r)
	if !ok {
		return
	}
	// Adding a second factor needs both factors first (a password and an
	// SMS code to the registered phone), recently: otherwise a stolen
	// password could enrol the thief's app and pass as level 2.
	if provider.LevelOfACR(s.ACR) < 2 || h.now().Sub(s.AuthTime) > freshFor {
		if !slices.Contains(s.AMR, "pwd") {
			h.renderAccount(w, r, lang, s, http.StatusForbidden, view{Error: T(lang, "account.need_password")})
			return
		}
		h.startOTP(w, r, lang, "", s.AccountID, []string{"pwd"}, s.ID)
		return
	}
	// The label stays in the app's backups: never the ID number.
	label := "tk-" + s.AccountID[:6]
	otpURL, png, err := h.totp.Begin(r.Context(), s.AccountID, label)
	v := view{Account: &accountView{}}
	var le identity.LocalizedError
	switch {
	case errors.As(err, &le):
		v.Error = localized(le, lang)
	case err != nil:
		h.log.Error("TOTP enrolment failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	default:
		v.Account.TOTPQR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
		if u, err := url.Parse(otpURL); err == nil {
			v.Account.TOTPSecret = u.Query().Get("secret")
		}
	}
	h.renderAccount(w, r, lang, s, http.StatusOK, v)
}

// postTOTPConfirm checks the first code and shows the recovery codes once.
func (h *Handler) postTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	lang, s, ok := h.accountPost(w, r)
	if !ok {
		return
	}
	if provider.LevelOfACR(s.ACR) < 2 || h.now().Sub(s.AuthTime) > freshFor {
		h.renderAccount(w, r, lang, s, http.StatusForbidden, view{Error: T(lang, "account.need_password")})
		return
	}
	codes, err := h.totp.Confirm(r.Context(), s.AccountID, r.PostFormValue("otp"))
	v := view{Account: &accountView{}}
	var le identity.LocalizedError
	switch {
	case errors.As(err, &le):
		v.Error = localized(le, lang)
		h.renderAccount(w, r, lang, s, http.StatusBadRequest, v)
		return
	case err != nil:
		h.log.Error("TOTP confirmation failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	h.log.Info("authenticator app enrolled", "account", s.AccountID)
	h.notify(r, s.AccountID, identity.NoticeNewAuthenticator, "")
	v.Account.RecoveryCodes = codes
	v.Notice = T(lang, "account.totp_done")
	h.renderAccount(w, r, lang, s, http.StatusOK, v)
}

// postPassword changes the password from the account page.
func (h *Handler) postAccountPassword(w http.ResponseWriter, r *http.Request) {
	lang, s, ok := h.accountPost(w, r)
	if !ok {
		return
	}
	v := view{}
	pw, confirm := r.PostFormValue("new_password"), r.PostFormValue("confirm_password")
	status := http.StatusOK
	switch {
	case len(pw) > maxPasswordLen || len(r.PostFormValue("current_password")) > maxPasswordLen:
		v.Error, status = T(lang, "err.too_long"), http.StatusBadRequest
	case pw != confirm:
		v.Error, status = T(lang, "password.mismatch"), http.StatusBadRequest
	default:
		err := h.auth.ChangeOwnPassword(r.Context(), s.AccountID, r.PostFormValue("current_password"), pw, clientIP(r))
		var le identity.LocalizedError
		switch {
		case errors.Is(err, identity.ErrBadCredentials):
			v.Error, status = T(lang, "account.wrong_current"), http.StatusBadRequest
		case errors.As(err, &le):
			v.Error, status = localized(le, lang), http.StatusBadRequest
		case err != nil:
			h.log.Error("password change failed", "err", err)
			h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
			return
		default:
			v.Notice = T(lang, "account.password_done") + " " + T(lang, "password.revoked")
			h.log.Info("password changed", "account", s.AccountID)
			h.endOtherSessions(r, s.AccountID, s.ID)
			h.notify(r, s.AccountID, identity.NoticePasswordChanged, "")
		}
	}
	h.renderAccount(w, r, lang, s, status, v)
}
