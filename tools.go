//go:build tools

package tools

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/glebarez/sqlite"
	_ "github.com/go-gormigrate/gormigrate/v2"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/gorilla/mux"
	_ "github.com/ory/fosite"
	_ "github.com/ory/fosite/compose"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/oauth2"
	_ "gorm.io/driver/postgres"
	_ "gorm.io/gorm"
)
