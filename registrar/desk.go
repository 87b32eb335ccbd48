//go:build registrar_wip

package registrar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/dinhdanh/dinhdanh/identity"
)

// citizenView is the record summary an official compares with the
// papers, and nothing more (data minimisation): no address, no e-mail,
// the phone masked.
type citizenView struct {
	PIN          string
	FullName     string
	Birthdate    string
	Gender       string
	Age          int
	Province     string
	PhoneMasked  string
	HasPhone     bool
	HasAccount   bool
	Level        int
	Eligible     bool
	Ineligible   string
	Warnings     []string
	PendingLevel bool
}

func (h *Handler) desk(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	h.render(w, r, http.StatusOK, "desk", view{Lang: lang, Me: me, CSRF: h.csrfToken(me.session)})
}

// lookup reads the exact ID number of a form and the record and account
// it names; msg is the reason shown when there is none.
func (h *Handler) lookup(ctx context.Context, r *http.Request, lang string) (identity.PIN, identity.Citizen, *identity.Account, string) {
	pin, err := identity.ParsePINAt(r.PostFormValue("id_number"), h.now())
	var pe *identity.PINError
	if errors.As(err, &pe) {
		return pin, identity.Citizen{}, nil, localized(pe, lang)
	}
	if err != nil {
		return pin, identity.Citizen{}, nil, T(lang, "err.generic")
	}
	cit, err := h.c.Store.GetCitizen(ctx, pin.Number)
	if errors.Is(err, identity.ErrNotFound) {
		return pin, cit, nil, T(lang, "desk.no_record")
	}
	if err != nil {
		return pin, cit, nil, T(lang, "err.generic")
	}
	acc, err := h.c.Store.GetAccountByPIN(ctx, pin.Number)
	if errors.Is(err, identity.ErrNotFound) {
		return pin, cit, nil, ""
	}
	if err != nil {
		return pin, cit, nil, T(lang, "err.generic")
	}
	return pin, cit, &acc, ""
}

func (h *Handler) summary(lang string, pin identity.PIN, cit identity.Citizen, acc *identity.Account) *citizenView {
	ok, age, vi, en := identity.Eligibility(cit.Birthdate, h.now())
	v := &citizenView{PIN: pin.Number, FullName: cit.FullName, Birthdate: cit.Birthdate, Gender: T(lang, "gender."+string(cit.Gender)),
		Age: age, Province: pin.ProvinceName(), PhoneMasked: identity.MaskPhone(cit.Phone), HasPhone: cit.Phone != "",
		HasAccount: acc != nil, Eligible: ok}
	if !ok {
		v.Ineligible = vi
		if lang == langEN {
			v.Ineligible = en
		}
	}
	if acc != nil {
		v.Level = int(acc.Level)
	}
	for _, w := range pin.CheckAgainst(cit.Birthdate, cit.Gender) {
		v.Warnings = append(v.Warnings, T(lang, "warn."+w))
	}
	return v
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	v := view{Lang: lang, Me: me, CSRF: h.csrfToken(me.session)}
	if !me.CanOperate() {
		v.Error = T(lang, "err.role_operator")
		h.render(w, r, http.StatusForbidden, "desk", v)
		return
	}
	pin, cit, acc, msg := h.lookup(r.Context(), r, lang)
	if msg != "" {
		v.Error = msg
		h.render(w, r, http.StatusOK, "desk", v)
		return
	}
	v.Citizen = h.summary(lang, pin, cit, acc)
	h.render(w, r, http.StatusOK, "desk", v)
}

// action runs one desk action (issue, unlock, reset) and shows its
// receipt.
func (h *Handler) action(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	ctx := r.Context()
	v := view{Lang: lang, Me: me, CSRF: h.csrfToken(me.session)}
	fail := func(status int, msg string, cv *citizenView) {
		v.Error, v.Citizen = msg, cv
		h.render(w, r, status, "desk", v)
	}
	if !me.CanOperate() {
		fail(http.StatusForbidden, T(lang, "err.role_operator"), nil)
		return
	}
	pin, cit, acc, msg := h.lookup(ctx, r, lang)
	if msg != "" {
		fail(http.StatusBadRequest, msg, nil)
		return
	}
	sum := h.summary(lang, pin, cit, acc)
	role := me.mainRole(identity.RoleOperator)
	var receipt string
	var err error
	switch r.PostFormValue("action") {
	case "issue":
		if acc != nil {
			fail(http.StatusConflict, T(lang, "desk.has_account"), sum)
			return
		}
		if !sum.Eligible {
			fail(http.StatusBadRequest, sum.Ineligible, sum)
			return
		}
		if cit.Phone == "" {
			fail(http.StatusBadRequest, T(lang, "desk.no_phone"), sum)
			return
		}
		// Level 2 only after the chip card was checked in person (Decree
		// 69/2024); otherwise level 1.
		level := identity.Level1
		if r.PostFormValue("chip_checked") == "yes" {
			level = identity.Level2
		}
		var issued identity.Account
		var pw string
		issued, pw, err = h.c.Auth.Issue(ctx, pin.Number, "", level)
		if errors.Is(err, identity.ErrAlreadyExists) {
			fail(http.StatusConflict, T(lang, "desk.has_account"), sum)
			return
		}
		if err != nil {
			break
		}
		// The password goes only to the citizen's own phone: the account
		// is never activated on the registrar's device.
		if err = h.c.SMS.Send(ctx, cit.Phone, identity.InitialPasswordMessage(pw, h.c.Auth.InitialPasswordLifetime())); err != nil {
			break
		}
		receipt, err = h.auditID(ctx, r, me, role, identity.ActionIssue, issued.ID, fmt.Sprintf("level %d", level))
	case "unlock":
		if acc == nil {
			fail(http.StatusBadRequest, T(lang, "desk.no_account"), sum)
			return
		}
		if err = h.c.Throttle.Unlock(ctx, pin.Number, acc.ID, h.now()); err != nil {
			break
		}
		receipt, err = h.auditID(ctx, r, me, role, identity.ActionUnlock, acc.ID, "")
	case "reset":
		if acc == nil {
			fail(http.StatusBadRequest, T(lang, "desk.no_account"), sum)
			return
		}
		if cit.Phone == "" {
			fail(http.StatusBadRequest, T(lang, "desk.no_phone"), sum)
			return
		}
		var pw string
		if pw, err = h.c.Auth.ReissuePassword(ctx, acc.ID); err != nil {
			break
		}
		if err = h.endSessions(ctx, acc.ID); err != nil {
			break
		}
		if err = h.c.Throttle.Unlock(ctx, pin.Number, acc.ID, h.now()); err != nil {
			break
		}
		if err = h.c.SMS.Send(ctx, cit.Phone, identity.InitialPasswordMessage(pw, h.c.Auth.InitialPasswordLifetime())); err != nil {
			break
		}
		receipt, err = h.auditID(ctx, r, me, role, identity.ActionReset, acc.ID, "")
	default:
		fail(http.StatusBadRequest, T(lang, "err.bad_form"), sum)
		return
	}
	if err != nil {
		h.log.Error("registrar action failed", "err", err)
		fail(http.StatusInternalServerError, T(lang, "err.generic"), sum)
		return
	}
	http.Redirect(w, r, PathReceipt+receipt+"?lang="+lang, http.StatusSeeOther)
}

// endSessions ends every browser session of the account.
func (h *Handler) endSessions(ctx context.Context, accountID string) error {
	sessions, err := h.c.Store.ListAuthSessions(ctx, accountID, h.now())
	if err != nil {
		return err
	}
	for _, s := range sessions {
		if _, err := h.c.Store.EndAuthSessions(ctx, s); err != nil && !errors.Is(err, identity.ErrNotFound) {
			return err
		}
	}
	return nil
}

// change is a request's payload.
type change struct {
	Phone     string `json:"phone,omitempty"`
	FullName  string `json:"full_name,omitempty"`
	Birthdate string `json:"birthdate,omitempty"`
	Gender    string `json:"gender,omitempty"`
}

// request records a change a supervisor must approve (four eyes).
func (h *Handler) request(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	ctx := r.Context()
	v := view{Lang: lang, Me: me, CSRF: h.csrfToken(me.session)}
	fail := func(status int, msg string, cv *citizenView) {
		v.Error, v.Citizen = msg, cv
		h.render(w, r, status, "desk", v)
	}
	if !me.CanOperate() {
		fail(http.StatusForbidden, T(lang, "err.role_operator"), nil)
		return
	}
	pin, cit, acc, msg := h.lookup(ctx, r, lang)
	if msg != "" {
		fail(http.StatusBadRequest, msg, nil)
		return
	}
	sum := h.summary(lang, pin, cit, acc)
	if acc == nil {
		fail(http.StatusBadRequest, T(lang, "desk.no_account"), sum)
		return
	}
	var ch change
	kind := r.PostFormValue("kind")
	action := ""
	switch kind {
	case identity.RequestLevel2:
		if acc.Level == identity.Level2 {
			fail(http.StatusBadRequest, T(lang, "desk.already_level2"), sum)
			return
		}
		if r.PostFormValue("chip_checked") != "yes" {
			fail(http.StatusBadRequest, T(lang, "desk.chip_needed"), sum)
			return
		}
		action = identity.ActionRequestLevel2
	case identity.RequestPhone:
		phone, err := identity.NormalizePhone(r.PostFormValue("phone"))
		if err != nil || phone == "" {
			fail(http.StatusBadRequest, T(lang, "desk.bad_phone"), sum)
			return
		}
		if phone == cit.Phone {
			fail(http.StatusBadRequest, T(lang, "desk.same_phone"), sum)
			return
		}
		ch.Phone = phone
		action = identity.ActionRequestPhone
	case identity.RequestCorrection:
		ch.FullName = strings.TrimSpace(r.PostFormValue("full_name"))
		ch.Birthdate = strings.TrimSpace(r.PostFormValue("birthdate"))
		ch.Gender = r.PostFormValue("gender")
		if ch.FullName == cit.FullName {
			ch.FullName = ""
		}
		if ch.Birthdate == cit.Birthdate {
			ch.Birthdate = ""
		}
		if ch.Gender == string(cit.Gender) {
			ch.Gender = ""
		}
		if ch == (change{}) {
			fail(http.StatusBadRequest, T(lang, "desk.no_change"), sum)
			return
		}
		if err := validCorrection(ch, h); err != nil {
			fail(http.StatusBadRequest, T(lang, "desk.bad_correction"), sum)
			return
		}
		action = identity.ActionRequestCorrect
	default:
		fail(http.StatusBadRequest, T(lang, "err.bad_form"), sum)
		return
	}
	payload, _ := json.Marshal(ch)
	req := identity.RegistrarRequest{ID: identity.NewID(), Kind: kind, Office: me.Office, AccountID: acc.ID, RequestedBy: me.AccountID,
		Payload: string(payload), Status: identity.RequestPending, RequestedAt: h.now()}
	if err := h.c.Store.CreateRegistrarRequest(ctx, req); err != nil {
		fail(http.StatusInternalServerError, T(lang, "err.generic"), sum)
		return
	}
	receipt, err := h.auditID(ctx, r, me, me.mainRole(identity.RoleOperator), action, acc.ID, "request "+req.ID)
	if err != nil {
		fail(http.StatusInternalServerError, T(lang, "err.generic"), sum)
		return
	}
	http.Redirect(w, r, PathReceipt+receipt+"?lang="+lang, http.StatusSeeOther)
}

func validCorrection(ch change, h *Handler) error {
	if ch.Birthdate != "" {
		b, err := time.Parse("2006-01-02", ch.Birthdate)
		if err != nil || b.After(h.now()) {
			return errors.New("bad birthdate")
		}
	}
	if ch.Gender != "" && ch.Gender != string(identity.Male) && ch.Gender != string(identity.Female) {
		return errors.New("bad gender")
	}
	return nil
}

// receiptView is what a printed receipt shows: office, date and time,
// operator code, the masked account and what was done.
type receiptView struct {
	ID        string
	Office    string
	At        string
	Code      string
	Masked    string
	Action    string
	Detail    string
	FirstUse  bool // issue and reset: first-login instructions
	Requested bool // waits for a supervisor
}

func (h *Handler) receipt(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	a, err := h.c.Store.GetRegistrarAction(r.Context(), mux.Vars(r)["id"])
	if err != nil || a.Office != me.Office || a.AccountID == "" {
		// Another office's receipt is not found here either.
		h.renderError(w, r, lang, http.StatusNotFound, "no_receipt")
		return
	}
	rv := &receiptView{ID: a.ID, Office: a.Office, At: localTime(a.At), Code: a.ActorCode, Action: actionLabel(lang, a.Action),
		FirstUse:  a.Action == identity.ActionIssue || a.Action == identity.ActionReset,
		Requested: strings.HasPrefix(a.Action, "request_")}
	if acc, err := h.c.Store.GetAccount(r.Context(), a.AccountID); err == nil {
		rv.Masked = identity.MaskPIN(acc.PIN)
	}
	if a.Action == identity.ActionIssue {
		rv.Detail = T(lang, "receipt."+strings.ReplaceAll(a.Detail, " ", ""))
	}
	paper := r.URL.Query().Get("paper")
	if paper != "a4" && paper != "80mm" {
		paper = "a5"
	}
	h.render(w, r, http.StatusOK, "receipt", view{Lang: lang, Me: me, Receipt: rv, Paper: paper})
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	if !me.CanApprove() {
		h.renderError(w, r, lang, http.StatusForbidden, "role_supervisor")
		return
	}
	actions, err := h.c.Store.ListRegistrarActions(r.Context(), me.Office, 200)
	if err != nil {
		h.renderError(w, r, lang, http.StatusInternalServerError, "generic")
		return
	}
	h.render(w, r, http.StatusOK, "audit", view{Lang: lang, Me: me, CSRF: h.csrfToken(me.session), Actions: actions})
}
