package consentui

import (
	"net/http"
	"net/http/httptest"
)

func newRequest(acceptLanguage string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/login", nil)
	if acceptLanguage != "" {
		r.Header.Set("Accept-Language", acceptLanguage)
	}
	return r
}
