package consentui

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Password reset through an SMS code to the registered phone. The pages
// answer the same whether or not the ID number has an account.

// Resetter is what the reset pages need.
type Resetter interface {
	AccountByIDNumber(r *http.Request, idNumber string) (identity.Account, error)
}

const (
	stepReset = "reset"
	// stepResetVerified: the code was right; only the new password is
	// still to choose.
	stepResetVerified = "reset-verified"
)

func (h *Handler) getReset(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	h.render(w, r, http.StatusOK, "reset", view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: r.URL.Query().Get("interaction")})
}

// postReset: step 1 sends a code (action=send), step 2 checks it and sets
// the new password (action=reset).
//
// The code is checked first, and counted, before anything about the new
// password is looked at: the password policy knows the birth date, so a
// policy answer before the code would let anyone with an ID number read
// the birth date off the error messages. A wrong code gets one answer,
// whatever the password.
func (h *Handler) postReset(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: r.PostFormValue("interaction")}
	if r.PostFormValue("action") != "reset" {
		h.sendResetCode(w, r, v)
		return
	}
	sealed := r.PostFormValue("ticket")
	t, verified := h.openTicket(r, sealed, stepResetVerified)
	if !verified {
		var ok bool
		if t, ok = h.openTicket(r, sealed, stepReset); !ok {
			h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
			return
		}
		v.Ticket, v.CodeSent = sealed, true
		if err := h.verifySMS(r, t, identity.OTPReset, r.PostFormValue("otp")); err != nil {
			var le identity.LocalizedError
			if !errors.As(err, &le) {
				h.log.Error("password reset code check failed", "err", err)
				h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
				return
			}
			v.Error = localized(le, lang)
			h.render(w, r, http.StatusBadRequest, "reset", v)
			return
		}
		// From here on the phone is proven: the code is used up, and the
		// citizen may retry the password without a new one.
		t = ticket{AccountID: t.AccountID, Step: stepResetVerified, AMR: []string{"sms"}, Verified: h.now().UnixNano()}
		sealed = h.sealTicket(r, t)
	}
	v.Ticket, v.CodeSent, v.CodeVerified = sealed, true, true
	pw := r.PostFormValue("new_password")
	switch {
	case !utf8.ValidString(pw) || len(pw) > maxPasswordLen:
		v.Error = T(lang, "err.too_long")
	case pw != r.PostFormValue("confirm_password"):
		v.Error = T(lang, "password.mismatch")
	}
	if v.Error != "" {
		h.render(w, r, http.StatusBadRequest, "reset", v)
		return
	}
	// Every try counts, also after the code (RFC 4226 §7.3 spirit: no
	// unlimited guessing at any step).
	ctx, now, key := r.Context(), h.now(), h.throttle.FactorKey(t.AccountID)
	err := h.throttle.Begin(ctx, key, t.AccountID, now)
	if err == nil {
		if err = h.auth.ResetPassword(ctx, t.AccountID, pw, time.Unix(0, t.Verified)); err != nil {
			var le identity.LocalizedError
			if errors.As(err, &le) {
				if ferr := h.throttle.Failed(ctx, key, t.AccountID, now); ferr != nil {
					err = ferr
				}
			}
		}
	}
	var le identity.LocalizedError
	switch {
	case errors.Is(err, identity.ErrPasswordAlreadyChanged):
		// A replayed ticket: its code already set a password.
		h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
		return
	case errors.As(err, &le):
		v.Error = localized(le, lang)
		h.render(w, r, http.StatusBadRequest, "reset", v)
		return
	case err != nil:
		h.log.Error("password reset failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	_ = h.throttle.Succeed(ctx, key)
	h.log.Info("password reset by SMS code", "account", t.AccountID)
	// NIST SP 800-63B §6.1.2.3: the phone alone set this password, so it
	// is no longer a second factor to it until something else is proven.
	if err := h.assurance.PasswordResetBySMS(ctx, t.AccountID); err != nil {
		h.log.Error("marking the SMS reset failed", "account", t.AccountID, "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	h.endOtherSessions(r, t.AccountID, "")
	h.notify(r, t.AccountID, identity.NoticePasswordReset, "")
	h.render(w, r, http.StatusOK, "login", view{Lang: lang, CSRF: v.CSRF, Interaction: v.Interaction,
		Notice: T(lang, "reset.done") + " " + T(lang, "password.revoked") + " " + T(lang, "reset.hold")})
}

// notify queues a notice to the citizen; a failure is logged, never shown.
func (h *Handler) notify(r *http.Request, accountID, kind, detail string) {
	if h.notifier == nil {
		return
	}
	if err := h.notifier.Notify(r.Context(), accountID, kind, detail); err != nil {
		h.log.Warn("queuing a notice failed", "account", accountID, "kind", kind, "err", err)
	}
}

func (h *Handler) sendResetCode(w http.ResponseWriter, r *http.Request, v view) {
	idNumber := strings.TrimSpace(r.PostFormValue("id_number"))
	if !utf8.ValidString(idNumber) || len(idNumber) > maxIDNumberLen {
		v.Error = T(v.Lang, "err.too_long")
		h.render(w, r, http.StatusBadRequest, "reset", v)
		return
	}
	t, ok := h.codeOnlyTicket(w, r, &v, "reset", stepReset, identity.OTPReset)
	if !ok {
		return
	}
	v.Ticket, v.CodeSent = h.sealTicket(r, t), true
	v.Notice = T(v.Lang, "reset.sent")
	h.render(w, r, http.StatusOK, "reset", v)
}
