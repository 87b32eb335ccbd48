package consentui

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// afterPassword continues a login whose password (and any forced change)
// is done: a request that needs level 2 goes on to a one-time code, sent
// as the page is first shown (DESIGN.md §3); others are complete.
func (h *Handler) afterPassword(w http.ResponseWriter, r *http.Request, lang, interaction, accountID string, amr []string) {
	required := 0
	if interaction != "" {
		p, ok := h.pending(w, r, interaction)
		if !ok {
			return
		}
		required = p.RequiredLevel
	}
	if required >= 2 {
		h.startOTP(w, r, lang, interaction, accountID, amr, "")
		return
	}
	h.completeLogin(w, r, lang, interaction, accountID, amr, 1, "")
}

// startOTP shows the code page for the second factor that counts for
// level 2 on this account (identity.Assurance decides, for every page):
// the authenticator app when one is enrolled, otherwise an SMS code sent
// now; with neither, the citizen is told why and the relying party gets
// unmet_authentication_requirements. stepUpOf is the session whose
// password amr carries, "" when it was typed just now.
func (h *Handler) startOTP(w http.ResponseWriter, r *http.Request, lang, interaction, accountID string, amr []string, stepUpOf string) {
	t := ticket{AccountID: accountID, Step: stepOTP, AMR: amr, StepUpOf: stepUpOf}
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: interaction}
	f, err := h.assurance.Level2Factors(r.Context(), accountID)
	if err != nil {
		h.log.Error("reading second factors failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	switch {
	case f.TOTP:
		t.Factor = factorTOTP
		v.Ticket, v.TOTP = h.sealTicket(r, t), true
		h.render(w, r, http.StatusOK, "otp", v)
		return
	case !f.SMS:
		h.noSecondFactor(w, r, lang, interaction, accountID)
		return
	}
	status := http.StatusOK
	ch, err := h.otp.SendToAccount(r.Context(), accountID, identity.OTPLogin, "")
	if err != nil {
		status = h.otpError(&v, lang, err)
		if status == http.StatusInternalServerError {
			h.renderError(w, r, lang, status, "server_error", "")
			return
		}
	}
	t.ChallengeID = ch.ID
	v.Ticket = h.sealTicket(r, t)
	h.render(w, r, status, "otp", v)
}

// noSecondFactor ends a login that needs level 2 when the account has no
// second factor that counts: a page says what to do (the app, a recovery
// code, or a registrar), and its link takes the citizen back to the
// relying party with unmet_authentication_requirements (never stuck).
func (h *Handler) noSecondFactor(w http.ResponseWriter, r *http.Request, lang, interaction, accountID string) {
	h.log.Info("level 2 refused: no second factor counts", "account", accountID)
	v := view{Lang: lang, Title: T(lang, "nofactor.title"), Error: T(lang, "nofactor.text")}
	if interaction != "" {
		if err := h.flow.Unmet(r, interaction); err != nil && !errors.Is(err, identity.ErrNotFound) {
			h.log.Error("recording an unmet level failed", "err", err)
			h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
			return
		}
		v.ContinueURL = provider.ContinueURL(interaction)
	}
	h.render(w, r, http.StatusForbidden, "nofactor", v)
}

// otpError turns an OTP failure into the page's message and status.
func (h *Handler) otpError(v *view, lang string, err error) int {
	var le identity.LocalizedError
	if errors.As(err, &le) {
		v.Error = localized(le, lang)
		var rate *identity.OTPRateError
		if errors.As(err, &rate) {
			return http.StatusTooManyRequests
		}
		if errors.Is(err, identity.ErrOTPSendFail) {
			h.log.Warn("sending one-time code failed", "err", err)
			return http.StatusServiceUnavailable
		}
		return http.StatusBadRequest
	}
	h.log.Error("one-time code failed", "err", err)
	return http.StatusInternalServerError
}

// postOTP verifies a code, or sends a new one (action=resend).
func (h *Handler) postOTP(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	interaction := r.PostFormValue("interaction")
	t, ok := h.openTicket(r, r.PostFormValue("ticket"), stepOTP)
	if !ok {
		h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
		return
	}
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: interaction}
	status := http.StatusOK
	codeOnlyFlow, sealedFactor := codeOnly(t), t.Factor
	var factors identity.Level2Factors
	if !codeOnlyFlow {
		// Asked again at every step: an app enrolled or a reset made
		// since the ticket was sealed changes what counts.
		f, err := h.assurance.Level2Factors(r.Context(), t.AccountID)
		if err != nil {
			h.log.Error("reading second factors failed", "err", err)
			h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
			return
		}
		factors = f
		if !f.Any() {
			h.noSecondFactor(w, r, lang, interaction, t.AccountID)
			return
		}
		if f.TOTP {
			// NIST SP 800-63B §5.1.3.3: with the app enrolled, SMS is
			// no way around it (a SIM swap must not reach level 2).
			t.Factor = factorTOTP
		}
	}
	if r.PostFormValue("action") == "resend" {
		if factors.TOTP {
			v.TOTP, v.Ticket = true, h.sealTicket(r, t)
			v.Error = T(lang, "otp.no_sms")
			h.render(w, r, http.StatusBadRequest, "otp", v)
			return
		}
		ch, err := h.otp.SendToAccount(r.Context(), t.AccountID, identity.OTPLogin, t.ChallengeID)
		if codeOnlyFlow && errors.Is(err, identity.ErrNotFound) {
			if derr := h.otp.SendDecoy(r.Context()); derr != nil {
				h.log.Info("code-only resend: decoy not queued", "err", derr)
			}
		}
		if codeOnlyFlow && err != nil {
			// Without a password nothing may differ between numbers with
			// and without an account: every resend "worked".
			h.log.Info("code-only resend not sent", "err", err)
			err, ch.ID = nil, t.ChallengeID
		}
		if err == nil || errors.Is(err, identity.ErrOTPSendFail) {
			t.ChallengeID = ch.ID
		}
		if err != nil {
			if status = h.otpError(&v, lang, err); status == http.StatusInternalServerError {
				h.renderError(w, r, lang, status, "server_error", "")
				return
			}
		} else {
			v.Notice = T(lang, "otp.resent")
		}
		v.Ticket = h.sealTicket(r, t)
		h.render(w, r, status, "otp", v)
		return
	}
	code := r.PostFormValue("otp")
	var err error
	methods := []string{"sms", "otp", "mfa"}
	if t.Factor == factorTOTP {
		v.TOTP = true
		methods = []string{"otp", "mfa"}
		err = h.verifyTOTP(r, t.AccountID, code)
		if err == nil {
			// The app or a recovery code is independent of the phone.
			if cerr := h.assurance.ProvedIndependentFactor(r.Context(), t.AccountID); cerr != nil {
				h.log.Warn("clearing the SMS reset mark failed", "account", t.AccountID, "err", cerr)
			}
		}
	} else {
		err = h.verifySMS(r, t, identity.OTPLogin, code)
	}
	if err != nil {
		if status = h.otpError(&v, lang, err); status == http.StatusInternalServerError {
			h.renderError(w, r, lang, status, "server_error", "")
			return
		}
		v.Ticket = r.PostFormValue("ticket")
		if t.Factor != sealedFactor {
			v.Ticket = h.sealTicket(r, t)
		}
		h.render(w, r, status, "otp", v)
		return
	}
	// A step-up's authentication is the session's password plus this code
	// (OIDC Core §2 amr, RFC 8176 §2): only while that session is still
	// this browser's. LoggedIn checks it in the transaction that replaces
	// the session, so a logout or another login meanwhile ends it here.
	// RFC 8176 §2: a password and a one-time code are two factors; a code
	// alone (passwordless login) is one.
	level := 1
	if slices.Contains(t.AMR, "pwd") {
		level = 2
	} else {
		methods = slices.DeleteFunc(methods, func(m string) bool { return m == "mfa" })
	}
	amr := append(slices.Clone(t.AMR), methods...)
	slices.Sort(amr)
	h.completeLogin(w, r, lang, interaction, t.AccountID, slices.Compact(amr), level, t.StepUpOf)
}

// stepUp handles a login page for a request that needs more than the
// browser's session proves: the citizen is asked only for the missing
// code, unless the request demands a fresh login. It reports whether it
// answered.
func (h *Handler) stepUp(w http.ResponseWriter, r *http.Request, lang string, p provider.Pending) bool {
	if p.RequiredLevel < 2 || p.FreshLogin {
		return false
	}
	s, ok := h.flow.BrowserSession(r)
	// Only a password session steps up with a code: two codes are still
	// one factor.
	if !ok || provider.LevelOfACR(s.ACR) >= p.RequiredLevel || !slices.Contains(s.AMR, "pwd") {
		return false
	}
	// Only the session's password is carried: the code now completes it.
	h.startOTP(w, r, lang, p.ID, s.AccountID, []string{"pwd"}, s.ID)
	return true
}

const factorTOTP = "totp"

// verifyTOTP checks an authenticator or recovery code. Six digits have no
// per-code try limit, so failures count against the account and lock it
// like wrong passwords do (RFC 4226 §7.3).
func (h *Handler) verifyTOTP(r *http.Request, accountID, code string) error {
	ctx := r.Context()
	now := h.now()
	key := h.throttle.FactorKey(accountID)
	if err := h.throttle.Begin(ctx, key, accountID, now); err != nil {
		return err
	}
	var err error
	if len(strings.TrimSpace(code)) > 8 {
		err = h.totp.UseRecoveryCode(ctx, accountID, code)
	} else {
		err = h.totp.Verify(ctx, accountID, code)
	}
	if err != nil {
		if ferr := h.throttle.Failed(ctx, key, accountID, now); ferr != nil {
			return ferr
		}
		return err
	}
	return h.throttle.Succeed(ctx, key)
}

// startPasswordlessOTP logs in with the ID number and an SMS code, for
// clients registered to allow it.
func (h *Handler) startPasswordlessOTP(w http.ResponseWriter, r *http.Request, v view) {
	t, ok := h.codeOnlyTicket(w, r, &v, "login", stepOTP, identity.OTPLogin)
	if !ok {
		return
	}
	v.Ticket = h.sealTicket(r, t)
	h.render(w, r, http.StatusOK, "otp", v)
}

// codeOnlyTicket starts a flow without a password (passwordless login,
// reset): it checks the ID number and the address's SMS cap, texts a code
// if the number has an account, and returns the ticket for the code page.
// An unknown number gets a ticket for no account and no SMS, and nothing
// that went wrong with sending shows: the answer never tells whether an
// account exists. On failure it has rendered page and returns false.
func (h *Handler) codeOnlyTicket(w http.ResponseWriter, r *http.Request, v *view, page, step, purpose string) (ticket, bool) {
	pin, err := identity.ParsePIN(strings.TrimSpace(r.PostFormValue("id_number")))
	if err != nil {
		var le identity.LocalizedError
		errors.As(err, &le)
		v.Error = localized(le, v.Lang)
		h.render(w, r, http.StatusBadRequest, page, *v)
		return ticket{}, false
	}
	if !h.allowSMSFromIP(w, r, v, page) {
		return ticket{}, false
	}
	// An unknown number gets random ids of the same shape: the sealed
	// ticket is the same length either way.
	t := ticket{AccountID: identity.NewID(), ChallengeID: identity.NewID(), Step: step, ThrottleKey: h.throttle.AccountKey(pin.Number)}
	acc, err := h.reset.AccountByIDNumber(r, pin.Number)
	switch {
	case err == nil:
		t.AccountID = acc.ID
		ch, err := h.otp.SendToAccount(r.Context(), acc.ID, purpose, "")
		if err != nil {
			h.log.Info("code-only flow: code not sent", "account", acc.ID, "err", err)
		} else {
			t.ChallengeID = ch.ID
		}
	case errors.Is(err, identity.ErrNotFound):
		// The same queries and the same queued write as for an account
		// (a message the worker discards): timing tells nothing.
		if err := h.otp.SendDecoy(r.Context()); err != nil {
			h.log.Info("code-only flow: decoy not queued", "err", err)
		}
	default:
		h.log.Error("looking up account failed", "err", err)
		h.renderError(w, r, v.Lang, http.StatusInternalServerError, "server_error", "")
		return ticket{}, false
	}
	return t, true
}

// codeOnly reports a flow without a password (passwordless login, reset),
// where answers must not tell whether the ID number has an account.
func codeOnly(t ticket) bool { return !slices.Contains(t.AMR, "pwd") }

// verifySMS checks an SMS code. Failures count against the ID number
// (code-only flows, also for numbers without an account) or the account,
// and lock it like wrong passwords (issue: lock after repeated wrong
// codes); code-only flows get one message for every failure.
func (h *Handler) verifySMS(r *http.Request, t ticket, purpose, code string) error {
	ctx := r.Context()
	now := h.now()
	key := t.ThrottleKey
	if key == "" {
		key = h.throttle.FactorKey(t.AccountID)
	}
	auditID := t.AccountID
	if codeOnly(t) {
		auditID = "" // the number may have no account: name none
	}
	if err := h.throttle.Begin(ctx, key, auditID, now); err != nil {
		return err
	}
	err := h.otp.Verify(ctx, t.ChallengeID, t.AccountID, purpose, code)
	if err != nil {
		if ferr := h.throttle.Failed(ctx, key, auditID, now); ferr != nil {
			return ferr
		}
		var le identity.LocalizedError
		if codeOnly(t) && errors.As(err, &le) {
			return identity.ErrOTPInvalid
		}
		return err
	}
	return h.throttle.Succeed(ctx, key)
}

// allowSMSFromIP caps the codes one address can have sent without a
// password (passwordless login, reset), against SMS pumping and sweeps of
// guessable ID numbers; the limit is the same for every number, so it
// tells nothing about accounts. It renders the refusal on page.
func (h *Handler) allowSMSFromIP(w http.ResponseWriter, r *http.Request, v *view, page string) bool {
	key := h.throttle.IPKey("sms\x00" + clientIP(r))
	now := h.now()
	if err := h.throttle.Check(r.Context(), key, now); err != nil {
		var te *identity.ThrottledError
		if errors.As(err, &te) {
			v.Error = localized(te, v.Lang)
			h.render(w, r, http.StatusTooManyRequests, page, *v)
			return false
		}
		h.log.Error("SMS rate check failed", "err", err)
		h.renderError(w, r, v.Lang, http.StatusInternalServerError, "server_error", "")
		return false
	}
	if err := h.throttle.Fail(r.Context(), key, "", now); err != nil {
		h.log.Warn("counting an SMS request failed", "err", err)
	}
	return true
}
