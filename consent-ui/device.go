package consentui

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// DeviceFlow is what the /device pages need from the protocol side (the
// device authorization grant, RFC 8628 §3.3).
type DeviceFlow interface {
	// StartDevice begins the citizen's side for a normalized user code; an
	// unknown, used or expired code is identity.ErrNotFound.
	StartDevice(w http.ResponseWriter, r *http.Request, userCode string) (interactionID string, err error)
	DeviceConfirmation(r *http.Request, interactionID string) (provider.DeviceConfirmation, error)
	ConfirmDevice(r *http.Request, interactionID string, allow bool) error
}

// deviceView is the /device pages' part of view.
type deviceView struct {
	UserCode    string
	ClientName  string
	RequestedAt string
	Result      string // done page: "allowed" or "denied"
}

// vnTime is Vietnam's time zone (UTC+7, no DST), for times shown to
// citizens.
var vnTime = time.FixedZone("ICT", 7*3600)

func (h *Handler) getDevice(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Device: &deviceView{}}
	// verification_uri_complete (RFC 8628 §3.3.1) fills the code in; the
	// citizen still submits it, so a link alone decides nothing.
	if code, ok := identity.NormalizeUserCode(r.URL.Query().Get("user_code")); ok {
		v.Device.UserCode = identity.FormatUserCode(code)
	}
	h.render(w, r, http.StatusOK, "device", v)
}

func (h *Handler) postDevice(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Device: &deviceView{}}
	typed := r.PostFormValue("user_code")
	code, ok := identity.NormalizeUserCode(typed)
	if !ok {
		// Not the shape of a code: a typo, not a guess.
		v.Error = T(lang, "device.bad_shape")
		h.render(w, r, http.StatusBadRequest, "device", v)
		return
	}
	v.Device.UserCode = identity.FormatUserCode(code)
	ctx := r.Context()
	now := h.now()
	// RFC 8628 §5.1: user codes are short, so guesses are rate-limited per
	// address (growing delays, then a lock). Only wrong codes count.
	key := h.throttle.UserCodeKey(clientIP(r))
	var throttled *identity.ThrottledError
	if err := h.throttle.Check(ctx, key, now); errors.As(err, &throttled) {
		w.Header().Set("Retry-After", strconv.Itoa(int(throttled.RetryAfter.Seconds())+1))
		v.Error = localized(throttled, lang)
		h.render(w, r, http.StatusTooManyRequests, "device", v)
		return
	} else if err != nil {
		h.log.Error("device code throttle failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	id, err := h.device.StartDevice(w, r, code)
	switch {
	case errors.Is(err, identity.ErrNotFound):
		if ferr := h.throttle.Fail(ctx, key, "", now); ferr != nil {
			h.log.Error("device code throttle failed", "err", ferr)
		}
		v.Error = T(lang, "device.unknown")
		h.render(w, r, http.StatusBadRequest, "device", v)
		return
	case err != nil:
		h.log.Error("starting a device login failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	http.Redirect(w, r, provider.ContinueURL(id), http.StatusSeeOther)
}

func (h *Handler) getDeviceConfirm(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	id := r.URL.Query().Get("interaction")
	c, err := h.device.DeviceConfirmation(r, id)
	if err != nil {
		h.deviceError(w, r, lang, err)
		return
	}
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: id, Device: &deviceView{
		ClientName: c.Client.Name, RequestedAt: c.RequestedAt.In(vnTime).Format("15:04 02/01/2006"),
	}}
	h.render(w, r, http.StatusOK, "deviceconfirm", v)
}

func (h *Handler) postDeviceConfirm(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	id := r.PostFormValue("interaction")
	decision := r.PostFormValue("decision")
	if decision != "allow" && decision != "deny" {
		h.renderError(w, r, lang, http.StatusBadRequest, "generic", "")
		return
	}
	if err := h.device.ConfirmDevice(r, id, decision == "allow"); err != nil {
		h.deviceError(w, r, lang, err)
		return
	}
	if decision == "deny" {
		http.Redirect(w, r, provider.PathDeviceDone+"?result=denied", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, provider.ContinueURL(id), http.StatusSeeOther)
}

func (h *Handler) getDeviceDone(w http.ResponseWriter, r *http.Request) {
	result := "denied"
	if r.URL.Query().Get("result") == "allowed" {
		result = "allowed"
	}
	h.render(w, r, http.StatusOK, "devicedone", view{Lang: pickLang(r, ""), Device: &deviceView{Result: result}})
}

func (h *Handler) deviceError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	if errors.Is(err, identity.ErrNotFound) {
		h.renderError(w, r, lang, http.StatusBadRequest, "device_expired", "")
		return
	}
	h.log.Error("device login failed", "err", err)
	h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
}
