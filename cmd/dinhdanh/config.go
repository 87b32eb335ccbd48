package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/keys"
)

// config follows DESIGN.md §3: flags override environment variables,
// which override the optional YAML file given with --config.
type config struct {
	Issuer      string `yaml:"issuer"`
	Listen      string `yaml:"listen"`
	DatabaseURL string `yaml:"database_url"`
	MasterKey   string `yaml:"master_key"`
	SMS         string `yaml:"sms"`
	SMSToken    string `yaml:"sms_token"`
	// InitialPasswordLifetime is a Go duration ("720h"); empty: 30 days.
	InitialPasswordLifetime string `yaml:"initial_password_lifetime"`
}

func defaultConfig() config {
	return config{Issuer: "http://localhost:8080", Listen: ":8080", DatabaseURL: "sqlite:dinhdanh.db", SMS: "log"}
}

// globalFlags are bound on the root command.
type globalFlags struct {
	configFile string
	cfg        config // flag values
	json       bool
}

func (g *globalFlags) bind(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&g.configFile, "config", "", "YAML configuration file")
	f.StringVar(&g.cfg.Issuer, "issuer", "", "issuer URL (env DINHDANH_ISSUER)")
	f.StringVar(&g.cfg.Listen, "listen", "", "listen address (env DINHDANH_LISTEN)")
	f.StringVar(&g.cfg.DatabaseURL, "database-url", "", "sqlite:PATH or postgres:// URL (env DINHDANH_DATABASE_URL)")
	f.StringVar(&g.cfg.SMS, "sms", "", "SMS sender: log, or the http(s) URL of an SMS gateway (env DINHDANH_SMS)")
	f.StringVar(&g.cfg.SMSToken, "sms-token", "", "bearer token for the SMS gateway, required with a gateway URL (env DINHDANH_SMS_TOKEN; prefer the environment or the config file, as flags show in the process list)")
	f.StringVar(&g.cfg.InitialPasswordLifetime, "initial-password-lifetime", "", "how long an initial (SMS) password works before it must have been changed, e.g. 720h (env DINHDANH_INITIAL_PASSWORD_LIFETIME; default 720h = 30 days)")
	f.BoolVar(&g.json, "json", false, "print machine-readable JSON")
}

// resolve merges file, environment and flags.
func (g *globalFlags) resolve() (config, error) {
	c := defaultConfig()
	if g.configFile != "" {
		b, err := os.ReadFile(g.configFile)
		if err != nil {
			return c, err
		}
		var file config
		if err := yaml.Unmarshal(b, &file); err != nil {
			return c, fmt.Errorf("%s: %w", g.configFile, err)
		}
		overlay(&c, file)
	}
	overlay(&c, config{
		Issuer:      os.Getenv("DINHDANH_ISSUER"),
		Listen:      os.Getenv("DINHDANH_LISTEN"),
		DatabaseURL: os.Getenv("DINHDANH_DATABASE_URL"),
		MasterKey:   os.Getenv("DINHDANH_MASTER_KEY"),
		SMS:         os.Getenv("DINHDANH_SMS"),
		SMSToken:    os.Getenv("DINHDANH_SMS_TOKEN"),

		InitialPasswordLifetime: os.Getenv("DINHDANH_INITIAL_PASSWORD_LIFETIME"),
	})
	overlay(&c, g.cfg)
	c.Issuer = strings.TrimRight(c.Issuer, "/")
	return c, nil
}

func overlay(dst *config, src config) {
	for _, p := range []struct {
		d *string
		s string
	}{
		{&dst.Issuer, src.Issuer}, {&dst.Listen, src.Listen}, {&dst.DatabaseURL, src.DatabaseURL},
		{&dst.MasterKey, src.MasterKey}, {&dst.SMS, src.SMS}, {&dst.SMSToken, src.SMSToken},
		{&dst.InitialPasswordLifetime, src.InitialPasswordLifetime},
	} {
		if p.s != "" {
			*p.d = p.s
		}
	}
}

// masterKey returns the master key. In development with SQLite it is kept
// in a file next to the database; with PostgreSQL it must be given.
func (c config) masterKey() ([]byte, error) {
	if c.MasterKey != "" {
		return keys.DecodeMasterKey(c.MasterKey)
	}
	path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:")
	if !ok {
		return nil, fmt.Errorf("DINHDANH_MASTER_KEY is required with %s databases", strings.SplitN(c.DatabaseURL, ":", 2)[0])
	}
	return keys.LoadOrCreateMasterKeyFile(filepath.Join(filepath.Dir(path), "dinhdanh.masterkey"))
}

// resolveWithSecrets resolves the configuration and derives the
// per-purpose keys from the master key.
func (g *globalFlags) resolveWithSecrets() (config, app.Secrets, error) {
	c, err := g.resolve()
	if err != nil {
		return c, app.Secrets{}, err
	}
	mk, err := c.masterKey()
	if err != nil {
		return c, app.Secrets{}, err
	}
	secrets, err := app.DeriveSecrets(mk)
	return c, secrets, err
}

// initialPasswordLifetime parses InitialPasswordLifetime (0: the default).
func (c config) initialPasswordLifetime() (time.Duration, error) {
	if c.InitialPasswordLifetime == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(c.InitialPasswordLifetime)
	if err != nil || d < time.Hour {
		return 0, errors.New("DINHDANH_INITIAL_PASSWORD_LIFETIME must be a duration of at least 1h, e.g. 720h")
	}
	return d, nil
}
