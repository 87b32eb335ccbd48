package consentui

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Password reset through an SMS code to the registered phone. The pages
// answer the same whether or not the ID number has an account.

// Resetter is what the reset pages need.
type Resetter interface {
	AccountByIDNumber(r *http.Request, idNumber string) (identity.Account, error)
}

const stepReset = "reset"

func (h *Handler) getReset(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	h.render(w, r, http.StatusOK, "reset", view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: r.URL.Query().Get("interaction")})
}

// postReset: step 1 sends a code (action=send), step 2 checks it and sets
// the new password (action=reset).
func (h *Handler) postReset(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: r.PostFormValue("interaction")}
	if r.PostFormValue("action") != "reset" {
		h.sendResetCode(w, r, v)
		return
	}
	t, ok := h.openTicket(r, r.PostFormValue("ticket"), stepReset)
	if !ok {
		h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
		return
	}
	v.Ticket, v.CodeSent = r.PostFormValue("ticket"), true
	pw := r.PostFormValue("new_password")
	if !utf8.ValidString(pw) || len(pw) > maxPasswordLen {
		v.Error = T(lang, "err.too_long")
	} else if pw != r.PostFormValue("confirm_password") {
		v.Error = T(lang, "password.mismatch")
	}
	if v.Error == "" {
		// The policy first, so a weak choice does not use up the code.
		err := h.auth.CheckNewPassword(r.Context(), t.AccountID, pw)
		if errors.Is(err, identity.ErrNotFound) {
			err = nil // no account: the code check below fails like any other
		}
		if err == nil {
			err = h.verifySMS(r, t, identity.OTPReset, r.PostFormValue("otp"))
		}
		if err == nil {
			err = h.auth.ChangePassword(r.Context(), t.AccountID, pw)
		}
		var le identity.LocalizedError
		switch {
		case errors.As(err, &le):
			v.Error = localized(le, lang)
		case err != nil:
			h.log.Error("password reset failed", "err", err)
			h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
			return
		default:
			h.log.Info("password reset by SMS code", "account", t.AccountID)
			h.endOtherSessions(r, t.AccountID, "")
			h.render(w, r, http.StatusOK, "login", view{Lang: lang, CSRF: v.CSRF, Interaction: v.Interaction, Notice: T(lang, "reset.done")})
			return
		}
	}
	h.render(w, r, http.StatusBadRequest, "reset", v)
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
