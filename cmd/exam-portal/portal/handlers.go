package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Error pages, in Vietnamese: the candidates are Vietnamese school-leavers.
var (
	errBadState = errPage{Status: http.StatusBadRequest, Title: "Yêu cầu đăng nhập không hợp lệ",
		Message: "Phiên đăng nhập không khớp hoặc đã hết hạn. Vui lòng đăng nhập lại.", Retry: true}
	errWrongIssuer = errPage{Status: http.StatusBadRequest, Title: "Phản hồi đăng nhập không hợp lệ",
		Message: "Phản hồi không đến từ hệ thống định danh điện tử mà cổng tin cậy. Vì an toàn, cổng đã dừng đăng nhập.", Retry: true}
	errNoCode = errPage{Status: http.StatusBadRequest, Title: "Phản hồi đăng nhập không hợp lệ",
		Message: "Phản hồi từ hệ thống định danh điện tử thiếu mã xác thực. Vui lòng đăng nhập lại.", Retry: true}
	errUnavailable = errPage{Status: http.StatusServiceUnavailable, Title: "Chưa kết nối được hệ thống định danh điện tử",
		Message: "Hệ thống định danh điện tử tạm thời không truy cập được. Vui lòng thử lại sau ít phút.", Retry: true}
	errBusy = errPage{Status: http.StatusServiceUnavailable, Title: "Hệ thống đang bận",
		Message: "Có quá nhiều lượt đăng nhập cùng lúc. Vui lòng thử lại sau ít phút.", Retry: true}
	errLoginFailed = errPage{Status: http.StatusBadGateway, Title: "Không hoàn tất được đăng nhập",
		Message: "Cổng không xác minh được kết quả đăng nhập từ hệ thống định danh điện tử. Vui lòng thử lại.", Retry: true}
	errBadForm = errPage{Status: http.StatusBadRequest, Title: "Không gửi được phiếu",
		Message: "Phiếu gửi lên không hợp lệ hoặc phiên làm việc đã thay đổi. Vui lòng tải lại trang phiếu và gửi lại."}
)

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	_, loggedIn := p.currentSession(r)
	p.render(w, http.StatusOK, "home", struct{ LoggedIn bool }{loggedIn})
}

// login starts the authorization code flow with PKCE (RFC 7636) and a
// nonce (OIDC Core §3.1.2.1), keeping the secrets server-side.
func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := p.outbound(r)
	defer cancel()
	d, err := p.discover(ctx)
	if err != nil {
		p.log.Warn("provider discovery failed", "issuer", p.cfg.Issuer, "err", err)
		p.renderError(w, errUnavailable)
		return
	}
	if c, err := r.Cookie(p.loginCookie); err == nil {
		p.logins.delete(c.Value)
	}
	pl := pendingLogin{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier()}
	key, err := p.logins.put(pl)
	if err != nil {
		p.log.Warn("login refused", "err", err)
		p.renderError(w, errBusy)
		return
	}
	p.setCookie(w, p.loginCookie, key, loginTTL)
	opts := []oauth2.AuthCodeOption{
		oidc.Nonce(pl.Nonce),
		oauth2.S256ChallengeOption(pl.Verifier),
		oauth2.SetAuthURLParam("ui_locales", "vi"),
	}
	if p.claimsParam != "" {
		// OIDC Core §5.5: the individual claims the form uses.
		opts = append(opts, oauth2.SetAuthURLParam("claims", p.claimsParam))
	}
	u := d.oauth.AuthCodeURL(pl.State, opts...)
	http.Redirect(w, r, u, http.StatusFound)
}

func (p *Portal) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var pl pendingLogin
	c, err := r.Cookie(p.loginCookie)
	ok := err == nil
	if ok {
		pl, ok = p.logins.get(c.Value)
	}
	// RFC 6749 §10.12: the state binds the response to this browser.
	if !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(pl.State)) != 1 {
		p.renderError(w, errBadState)
		return
	}
	// Single use: a replayed response finds nothing.
	p.logins.delete(c.Value)
	p.clearCookie(w, p.loginCookie)

	ctx, cancel := p.outbound(r)
	defer cancel()
	d, err := p.discover(ctx)
	if err != nil {
		p.log.Warn("provider discovery failed", "issuer", p.cfg.Issuer, "err", err)
		p.renderError(w, errUnavailable)
		return
	}
	// RFC 9207 §2.4: compare iss when present; require it when the
	// provider advertises it, which defeats mix-up attacks.
	if iss, present := q["iss"]; present {
		if len(iss) != 1 || iss[0] != p.cfg.Issuer {
			p.renderError(w, errWrongIssuer)
			return
		}
	} else if d.issRequired {
		p.renderError(w, errWrongIssuer)
		return
	}
	if code := q.Get("error"); code != "" {
		p.log.Info("authorization refused", "error", code)
		if code == "access_denied" {
			p.render(w, http.StatusOK, "denied", nil)
			return
		}
		p.renderError(w, errPage{Status: http.StatusBadRequest, Title: "Đăng nhập không thành công",
			Message: "Hệ thống định danh điện tử trả về lỗi:", Code: code,
			Description: q.Get("error_description"), Retry: true})
		return
	}
	code := q.Get("code")
	if code == "" {
		p.renderError(w, errNoCode)
		return
	}

	claims, err := p.redeem(ctx, d, code, pl)
	if err != nil {
		// Errors name protocol failures, never claim values.
		p.log.Warn("login failed", "err", err)
		p.renderError(w, errLoginFailed)
		return
	}
	// A fresh session id on every login prevents session fixation.
	if old, err := r.Cookie(p.sessionCookie); err == nil {
		p.sessions.delete(old.Value)
	}
	key, err := p.sessions.put(session{Claims: claims, CSRF: rand.Text()})
	if err != nil {
		p.log.Warn("session refused", "err", err)
		p.renderError(w, errBusy)
		return
	}
	p.setCookie(w, p.sessionCookie, key, sessionTTL)
	p.log.Info("login completed")
	// Redirect so that reloading does not resend the spent code.
	http.Redirect(w, r, "/form", http.StatusSeeOther)
}

// redeem exchanges the code and returns the ID token's claims overlaid
// with userinfo's.
func (p *Portal) redeem(ctx context.Context, d *discovered, code string, pl pendingLogin) (map[string]any, error) {
	tok, err := d.oauth.Exchange(ctx, code, oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		return nil, fmt.Errorf("token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("token response has no id_token")
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("id token: %w", err)
	}
	// OIDC Core §3.1.3.7 step 11.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pl.Nonce)) != 1 {
		return nil, errors.New("id token: nonce mismatch")
	}
	// OIDC Core §3.1.3.8: at_hash is optional in the code flow, but when
	// present it must match.
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, fmt.Errorf("id token: %w", err)
		}
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("id token claims: %w", err)
	}
	// OIDC Core §3.1.3.7 steps 4-5, which go-oidc leaves to us: with
	// several audiences, azp must name this client.
	if len(idt.Audience) > 1 {
		if azp, _ := claims["azp"].(string); azp != p.cfg.ClientID {
			return nil, errors.New("id token: several audiences and azp is not this client")
		}
	}
	ui, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	// OIDC Core §5.3.2: userinfo's sub must be the ID token's, else the
	// response must not be used.
	if ui.Subject != idt.Subject {
		return nil, errors.New("userinfo: sub differs from the id token's")
	}
	uc := map[string]any{}
	if err := ui.Claims(&uc); err != nil {
		return nil, fmt.Errorf("userinfo claims: %w", err)
	}
	maps.Copy(claims, uc)
	return claims, nil
}

// form shows the registration form, prefilled when the candidate logged
// in with the e-ID and empty for filling by hand otherwise.
func (p *Portal) form(w http.ResponseWriter, r *http.Request) {
	s, loggedIn := p.currentSession(r)
	p.render(w, http.StatusOK, "form", newFormPage(FormFromClaims(s.Claims, p.now()), s.CSRF, loggedIn))
}

// submit acknowledges a filled form. This example stores nothing.
func (p *Portal) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		p.renderError(w, errBadForm)
		return
	}
	s, loggedIn := p.currentSession(r)
	if loggedIn && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf_token")), []byte(s.CSRF)) != 1 {
		p.renderError(w, errBadForm)
		return
	}
	// Items from the e-ID come from the session, whatever was posted:
	// readonly inputs are only a hint to the browser.
	p.render(w, http.StatusOK, "submitted", summarize(FormFromClaims(s.Claims, p.now()), r.PostForm))
}

func (p *Portal) logout(w http.ResponseWriter, r *http.Request) {
	// The session cookie is SameSite=Lax, so a cross-site POST arrives
	// without it and ends nothing; the token guards same-site forgeries.
	if c, err := r.Cookie(p.sessionCookie); err == nil {
		s, ok := p.sessions.get(c.Value)
		if ok && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf_token")), []byte(s.CSRF)) != 1 {
			p.renderError(w, errBadForm)
			return
		}
		p.sessions.delete(c.Value)
	}
	p.clearCookie(w, p.sessionCookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (p *Portal) currentSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(p.sessionCookie)
	if err != nil {
		return session{}, false
	}
	return p.sessions.get(c.Value)
}

func (p *Portal) setCookie(w http.ResponseWriter, name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/",
		MaxAge: int(ttl.Seconds()), HttpOnly: true,
		// Lax, not Strict: the provider's redirect back is a cross-site
		// top-level navigation that must carry the login cookie.
		SameSite: http.SameSiteLaxMode, Secure: p.cfg.SecureCookies,
	})
}

func (p *Portal) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: p.cfg.SecureCookies,
	})
}
