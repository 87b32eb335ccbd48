//go:build registrar_wip

package registrar

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/dinhdanh/dinhdanh/identity"
)

// requestView is one pending request as a supervisor sees it: what is
// asked, with the values to compare with the papers in front of them.
type requestView struct {
	ID       string
	Kind     string
	At       string
	Masked   string
	Mine     bool
	Change   change
	OldName  string
	OldBirth string
	OldSex   string
}

func (h *Handler) approvals(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	if !me.CanApprove() {
		h.renderError(w, r, lang, http.StatusForbidden, "role_supervisor")
		return
	}
	h.renderApprovals(w, r, lang, me, http.StatusOK, "", "")
}

func (h *Handler) renderApprovals(w http.ResponseWriter, r *http.Request, lang string, me *registrar, status int, errMsg, notice string) {
	ctx := r.Context()
	reqs, err := h.c.Store.ListRegistrarRequests(ctx, me.Office, identity.RequestPending)
	if err != nil {
		h.renderError(w, r, lang, http.StatusInternalServerError, "generic")
		return
	}
	v := view{Lang: lang, Me: me, CSRF: h.csrfToken(me.session), Error: errMsg, Notice: notice}
	for _, q := range reqs {
		rv := requestView{ID: q.ID, Kind: q.Kind, At: localTime(q.RequestedAt), Mine: q.RequestedBy == me.AccountID}
		_ = json.Unmarshal([]byte(q.Payload), &rv.Change)
		if acc, err := h.c.Store.GetAccount(ctx, q.AccountID); err == nil {
			rv.Masked = identity.MaskPIN(acc.PIN)
			if cit, err := h.c.Store.GetCitizen(ctx, acc.PIN); err == nil {
				rv.OldName, rv.OldBirth, rv.OldSex = cit.FullName, cit.Birthdate, string(cit.Gender)
			}
		}
		v.Requests = append(v.Requests, rv)
	}
	h.render(w, r, status, "approvals", v)
}

// decide approves or rejects a request of the supervisor's office. The
// decision, the change it approves and the audit entry are one
// transaction: an approved request is never left half applied.
func (h *Handler) decide(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	lang := pickLang(r)
	if !me.CanApprove() {
		h.renderError(w, r, lang, http.StatusForbidden, "role_supervisor")
		return
	}
	ctx := r.Context()
	req, err := h.c.Store.GetRegistrarRequest(ctx, mux.Vars(r)["id"])
	if err != nil || req.Office != me.Office {
		h.renderApprovals(w, r, lang, me, http.StatusNotFound, T(lang, "err.no_request"), "")
		return
	}
	if req.RequestedBy == me.AccountID {
		h.renderApprovals(w, r, lang, me, http.StatusForbidden, localized(identity.ErrSelfApproval, lang), "")
		return
	}
	status, action := identity.RequestRejected, identity.ActionReject
	switch r.PostFormValue("decision") {
	case "approve":
		status, action = identity.RequestApproved, identity.ActionApprove
	case "reject":
	default:
		h.renderApprovals(w, r, lang, me, http.StatusBadRequest, T(lang, "err.bad_form"), "")
		return
	}
	receipt, err := h.inTx(ctx, func(ctx context.Context) (string, error) {
		if err := h.c.Store.DecideRegistrarRequest(ctx, req.ID, status, me.AccountID, h.now()); err != nil {
			return "", err
		}
		if status == identity.RequestApproved {
			if err := h.apply(ctx, r, me, req); err != nil {
				return "", err
			}
		}
		return h.auditID(ctx, r, me, identity.RoleSupervisor, action, req.AccountID, req.Kind+" "+req.ID)
	})
	var le identity.LocalizedError
	switch {
	case errors.As(err, &le):
		h.renderApprovals(w, r, lang, me, http.StatusConflict, localized(le, lang), "")
		return
	case err != nil:
		h.log.Error("registrar decision failed", "err", err)
		h.renderApprovals(w, r, lang, me, http.StatusInternalServerError, T(lang, "err.generic"), "")
		return
	}
	http.Redirect(w, r, PathReceipt+receipt+"?lang="+lang, http.StatusSeeOther)
}

func (h *Handler) inTx(ctx context.Context, fn func(ctx context.Context) (string, error)) (string, error) {
	tx, err := h.c.Store.BeginTX(ctx)
	if err != nil {
		return "", err
	}
	out, err := fn(tx)
	if err != nil {
		_ = h.c.Store.Rollback(tx)
		return "", err
	}
	return out, h.c.Store.Commit(tx)
}

// apply carries out an approved request.
func (h *Handler) apply(ctx context.Context, r *http.Request, me *registrar, req identity.RegistrarRequest) error {
	var ch change
	if err := json.Unmarshal([]byte(req.Payload), &ch); err != nil {
		return err
	}
	acc, err := h.c.Store.GetAccount(ctx, req.AccountID)
	if err != nil {
		return err
	}
	cit, err := h.c.Store.GetCitizen(ctx, acc.PIN)
	if err != nil {
		return err
	}
	source := "registrar:" + me.Office
	switch req.Kind {
	case identity.RequestLevel2:
		if err := h.c.Store.SetAccountLevel(ctx, acc.ID, identity.Level2); err != nil {
			return err
		}
		if err := h.c.Assurance.VerifiedInPerson(ctx, acc.ID); err != nil {
			return err
		}
		if err := h.c.Notifier.Notify(ctx, acc.ID, identity.NoticeLevelChanged, "2"); err != nil {
			return err
		}
		return h.audit(ctx, r, me, identity.RoleSupervisor, identity.ActionLevel2Upgraded, acc.ID, "level 2")
	case identity.RequestPhone:
		old := cit.Phone
		upd := identity.Citizen{PIN: acc.PIN, Phone: ch.Phone, Source: source, Fields: []string{identity.FieldPhone}}
		if _, _, _, err := h.c.Store.UpsertCitizens(ctx, []identity.Citizen{upd}); err != nil {
			return err
		}
		// The old phone may be in someone else's hands: whatever it could
		// reach is reset (authenticator app, sessions, tokens), and its
		// holder is told.
		if err := h.c.TOTP.Remove(ctx, acc.ID); err != nil && !errors.Is(err, identity.ErrNotFound) {
			return err
		}
		if err := h.endSessions(ctx, acc.ID); err != nil {
			return err
		}
		if err := h.c.Store.RevokeAccountTokens(ctx, acc.ID); err != nil {
			return err
		}
		if err := h.c.Assurance.VerifiedInPerson(ctx, acc.ID); err != nil {
			return err
		}
		if old != "" {
			if err := h.c.SMS.Send(ctx, old, identity.PhoneChangedMessage()); err != nil {
				return err
			}
		}
		return h.audit(ctx, r, me, identity.RoleSupervisor, identity.ActionPhoneChanged, acc.ID, "")
	case identity.RequestCorrection:
		upd := identity.Citizen{PIN: acc.PIN, Source: source}
		if ch.FullName != "" {
			upd.FullName = ch.FullName
			upd.Fields = append(upd.Fields, identity.FieldFullName)
		}
		if ch.Birthdate != "" {
			upd.Birthdate = ch.Birthdate
			upd.Fields = append(upd.Fields, identity.FieldBirthdate)
		}
		if ch.Gender != "" {
			upd.Gender = identity.Gender(ch.Gender)
			upd.Fields = append(upd.Fields, identity.FieldGender)
		}
		if _, _, _, err := h.c.Store.UpsertCitizens(ctx, []identity.Citizen{upd}); err != nil {
			return err
		}
		return h.audit(ctx, r, me, identity.RoleSupervisor, identity.ActionRecordCorrected, acc.ID, "")
	}
	return errors.New("registrar: unknown request kind")
}
