package consentui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// consentPage groups the requested claims for the consent page (Decree
// 13/2023 art. 11): what will be shared, sensitive data apart with its
// warning, what was consented before, and what will be withheld and why.
type consentPage struct {
	Ask       []itemView // basic claims to decide now
	Sensitive []itemView // sensitive claims: each needs its own tick
	Granted   []itemView // consented earlier: not asked again
	Withheld  []itemView // not releasable in this login
	Extras    []string   // scope lines without claims (sign-in, offline access)
}

type itemView struct {
	Name      string
	Label     string
	Value     string
	Checkbox  bool
	Checked   bool
	Essential bool
	Verified  bool
	Reason    string
}

func buildConsentView(lang string, scopes []string, items []provider.ConsentItem) consentPage {
	var v consentPage
	for _, s := range identity.Scopes {
		if slices.Contains(scopes, s.Name) && (s.Name == "openid" || s.Name == "offline_access") {
			v.Extras = append(v.Extras, pick(lang, s.LabelVI, s.LabelEN))
		}
	}
	for _, it := range items {
		iv := itemView{
			Name: it.Claim.Name, Label: pick(lang, it.Claim.LabelVI, it.Claim.LabelEN),
			Essential: it.Essential, Verified: it.Verified, Checkbox: it.Checkbox(),
			// Basic claims start ticked; a sensitive one is shared only if
			// the citizen ticks it.
			Checked: it.Checkbox() && it.Claim.Class != identity.Sensitive,
		}
		if it.Held {
			iv.Value = displayValue(lang, it.Claim.Name, it.Value)
		} else {
			iv.Value = T(lang, "consent.no_data")
		}
		switch it.State {
		case provider.ItemGranted:
			v.Granted = append(v.Granted, iv)
		case provider.ItemNeedsLevel2Account:
			iv.Reason = T(lang, "consent.needs_level2_account")
			v.Withheld = append(v.Withheld, iv)
		case provider.ItemDeclined:
			iv.Reason = T(lang, "consent.declined_before")
			v.Withheld = append(v.Withheld, iv)
		case provider.ItemNeedsLevel2Login:
			iv.Reason = T(lang, "consent.needs_level2_login")
			v.Withheld = append(v.Withheld, iv)
		default:
			if it.Claim.Class == identity.Sensitive {
				v.Sensitive = append(v.Sensitive, iv)
			} else {
				v.Ask = append(v.Ask, iv)
			}
		}
	}
	return v
}

func pick(lang, vi, en string) string {
	if lang == langEN {
		return en
	}
	return vi
}

// displayValue renders a claim value for a person to check before sharing.
func displayValue(lang, name string, v any) string {
	switch name {
	case "gender":
		return T(lang, "value."+fmt.Sprint(v))
	case identity.VerifiedClaims, "vn_account_level":
		return T(lang, fmt.Sprintf("value.level%v", v))
	case "vn_marital_status":
		return T(lang, "value.marital."+fmt.Sprint(v))
	case "birthdate":
		return civilDate(fmt.Sprint(v))
	}
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return T(lang, "value.yes")
		}
		return T(lang, "value.no")
	case []string:
		return strings.Join(x, ", ")
	case map[string]string: // the OIDC address claim
		return x["formatted"]
	case identity.Address:
		return addressLine(lang, x)
	case *identity.Address:
		return addressLine(lang, *x)
	case *identity.Coded:
		return x.Label
	case *identity.PlaceOfBirth:
		return joinNonEmpty(x.Locality, x.Region, x.Country)
	case *identity.IDCard:
		return joinNonEmpty(x.Number, dateRange(lang, x.Issued, x.Expires))
	case *identity.DrivingLicence:
		var classes []string
		for _, c := range x.Classes {
			classes = append(classes, c.Class)
		}
		return joinNonEmpty(x.Number, T(lang, "value.classes")+" "+strings.Join(classes, ", "))
	case []identity.Vehicle:
		var plates []string
		for _, veh := range x {
			plates = append(plates, joinNonEmpty(veh.Plate, veh.Brand))
		}
		return strings.Join(plates, "; ")
	case *identity.HealthInsurance:
		return joinNonEmpty(x.CardNo, dateRange(lang, x.ValidFrom, x.ValidTo))
	case int:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

func addressLine(lang string, a identity.Address) string {
	s := a.Formatted
	if a.Since != "" {
		s += " (" + T(lang, "value.since") + " " + civilDate(a.Since) + ")"
	}
	return s
}

// civilDate shows YYYY-MM-DD as dd/mm/yyyy, the way dates are written in
// Vietnam.
func civilDate(s string) string {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format("02/01/2006")
	}
	return s
}

func dateRange(lang, from, to string) string {
	switch {
	case from != "" && to != "":
		return from + " – " + to
	case to != "":
		return T(lang, "value.until") + " " + to
	}
	return from
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// dict builds a map for passing several values to a sub-template.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		m[k] = kv[i+1]
	}
	return m
}
