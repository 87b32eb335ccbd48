package portal

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// page is a parsed HTML page: the form controls and every element by id.
type page struct {
	t        *testing.T
	controls []*html.Node // visible input, select and textarea elements
	byID     map[string]*html.Node
	labels   map[string]string // for -> label text
	text     string            // all text, for notes
}

func parsePage(t *testing.T, body string) page {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	p := page{t: t, byID: map[string]*html.Node{}, labels: map[string]string{}}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				if _, dup := p.byID[id]; dup {
					t.Errorf("duplicate id %q", id)
				}
				p.byID[id] = n
			}
			switch n.Data {
			case "input", "select", "textarea":
				if typ := attr(n, "type"); typ != "hidden" && typ != "submit" {
					p.controls = append(p.controls, n)
				}
			case "label":
				p.labels[attr(n, "for")] += textOf(n)
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
	p.text = textOf(doc)
	return p
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// valueOf is an input's value attribute, or a textarea's text.
func valueOf(n *html.Node) string {
	if n.Data == "textarea" {
		return textOf(n)
	}
	return attr(n, "value")
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// descriptions returns the texts of the elements aria-describedby names,
// failing the test for a dangling reference.
func (p page) descriptions(n *html.Node) []string {
	p.t.Helper()
	var out []string
	for _, id := range strings.Fields(attr(n, "aria-describedby")) {
		d, ok := p.byID[id]
		if !ok {
			p.t.Errorf("%s: aria-describedby names missing id %q", attr(n, "id"), id)
			continue
		}
		out = append(out, textOf(d))
	}
	return out
}

func (p page) markedFromEID(n *html.Node) bool {
	for _, d := range p.descriptions(n) {
		if d == eidMarker {
			return true
		}
	}
	return false
}

func (p page) describedAs(n *html.Node, sub string) bool {
	for _, d := range p.descriptions(n) {
		if strings.Contains(d, sub) {
			return true
		}
	}
	return false
}

// named returns the controls with the given name.
func (p page) named(name string) []*html.Node {
	var out []*html.Node
	for _, c := range p.controls {
		if attr(c, "name") == name {
			out = append(out, c)
		}
	}
	return out
}

func (p page) control(id string) *html.Node {
	p.t.Helper()
	n, ok := p.byID[id]
	if !ok {
		p.t.Fatalf("no element with id %q", id)
	}
	return n
}

// formFor logs in with claims (as a successful callback would) at the
// given moment and returns the parsed form page.
func formFor(t *testing.T, claims map[string]any, now time.Time) page {
	t.Helper()
	p := newTestPortal(t, testConfig("http://unused.test"))
	p.now = func() time.Time { return now }
	var res response
	if claims == nil {
		res = do(t, p, "GET", "/form", nil, nil)
	} else {
		c, _ := loggedIn(t, p, claims)
		res = do(t, p, "GET", "/form", []*http.Cookie{c}, nil)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /form: status %d", res.StatusCode)
	}
	return parsePage(t, res.body)
}

func TestFormPageShowsPrefilledValuesWithMarkers(t *testing.T) {
	pg := formFor(t, claimsJSON(t, fullClaims), at(t, "2025-03-10", 9))
	for id, want := range map[string]string{
		"full_name":         "NGUYỄN VĂN AN",
		"date_of_birth":     "05/09/2007",
		"place_of_birth":    "Nghệ An",
		"ethnicity":         "Thái",
		"id_number":         "040207654321",
		"permanent_address": "Số 1 đường Lê Lợi, Phường Hưng Bình, TP. Vinh, Nghệ An",
		"province_code":     "40",
		"district_code":     "412",
		"commune_code":      "17503",
		"residence_since":   "01/06/2019",
		"phone":             "0987654321",
		"email":             "an.nguyen@example.vn",
		"contact_address":   "Ký túc xá A, Hà Nội",
	} {
		in := pg.control(id)
		if got := valueOf(in); got != want {
			t.Errorf("%s: value %q, want %q", id, got, want)
		}
		if !hasAttr(in, "readonly") || hasAttr(in, "disabled") {
			t.Errorf("%s: want readonly (visible, focusable, submitted), not disabled", id)
		}
		if !pg.markedFromEID(in) {
			t.Errorf("%s: not described by the %q marker", id, eidMarker)
		}
	}
	for name, want := range map[string]string{"sex": "Nam", "residence_over_18_months": "Có"} {
		radios := pg.named(name)
		if len(radios) != 2 {
			t.Fatalf("%s: %d radios", name, len(radios))
		}
		for _, r := range radios {
			chosen := attr(r, "value") == want
			if hasAttr(r, "checked") != chosen || hasAttr(r, "disabled") == chosen {
				t.Errorf("%s=%s: want only %s checked and the other locked", name, attr(r, "value"), want)
			}
			if !pg.markedFromEID(r) {
				t.Errorf("%s=%s: not described by the marker", name, attr(r, "value"))
			}
		}
	}
	// The 18-month rule is stated where the candidate reads the answer.
	if r := pg.named("residence_over_18_months")[0]; !pg.describedAs(r, "tròn 18 tháng vào ngày 01/12/2020") ||
		!pg.describedAs(r, "hôm nay (10/03/2025)") {
		t.Errorf("the 18-month answer does not state its rule: %q", pg.descriptions(r))
	}
	// Item 5: Vietnamese only, so empty for the candidate, with a note.
	fn := pg.control("foreign_nationality")
	if valueOf(fn) != "" || hasAttr(fn, "readonly") || pg.markedFromEID(fn) || !pg.describedAs(fn, "quốc tịch Việt Nam") {
		t.Errorf("foreign_nationality: %v, described as %q", fn.Attr, pg.descriptions(fn))
	}
	// The school's own items stay empty and editable.
	for _, id := range []string{"school_12_name", "school_12_code", "priority_category", "registration_unit", "language_exemption"} {
		in := pg.control(id)
		if valueOf(in) != "" || hasAttr(in, "readonly") || pg.markedFromEID(in) {
			t.Errorf("%s: the school's item is prefilled or locked: %v", id, in.Attr)
		}
	}
	for _, id := range []string{"special_commune", "priority_area", "foreign_language"} {
		if n := pg.control(id); n.Data != "select" || pg.markedFromEID(n) {
			t.Errorf("%s: want an unmarked select", id)
		}
	}
	if n := len(pg.named("elective")); n != len(electives) {
		t.Errorf("%d elective checkboxes, want %d", n, len(electives))
	}
	// Every control is marked exactly when it holds a value from the e-ID.
	for _, c := range pg.controls {
		fromEID := hasAttr(c, "readonly") || attr(c, "type") == "radio" && hasAttr(c, "disabled")
		if attr(c, "type") == "radio" {
			for _, sib := range pg.named(attr(c, "name")) {
				fromEID = fromEID || hasAttr(sib, "disabled")
			}
		}
		if pg.markedFromEID(c) != fromEID {
			t.Errorf("%s: marked %v, locked %v", attr(c, "id"), pg.markedFromEID(c), fromEID)
		}
	}
	if !strings.Contains(pg.text, "Phiếu đăng ký dự thi tốt nghiệp THPT") {
		t.Error("no form title")
	}
}

func TestFormItemsInPaperOrder(t *testing.T) {
	pg := formFor(t, nil, time.Now())
	last := -1
	for no, label := range []string{
		"1. Họ, chữ đệm và tên", "2. Ngày sinh và giới tính", "3. Nơi sinh", "4. Dân tộc",
		"5. Quốc tịch nước ngoài", "6. Số định danh cá nhân", "7. Hộ khẩu thường trú",
		"8. Nơi học THPT", "9. Điện thoại, email", "10. Địa chỉ liên hệ",
	} {
		i := strings.Index(pg.text, label)
		if i < 0 {
			t.Errorf("item %d (%q) not on the page", no+1, label)
			continue
		}
		if i < last {
			t.Errorf("item %q is out of order", label)
		}
		last = i
	}
}

func TestEveryControlHasALabel(t *testing.T) {
	for name, claims := range map[string]map[string]any{
		"by hand": nil,
		"e-ID":    claimsJSON(t, fullClaims),
		"partial": {"sub": "x", "name": "Lê Minh Khoa"},
	} {
		t.Run(name, func(t *testing.T) {
			pg := formFor(t, claims, time.Now())
			if len(pg.controls) < 30 {
				t.Fatalf("only %d controls", len(pg.controls))
			}
			for _, c := range pg.controls {
				id := attr(c, "id")
				if id == "" || strings.TrimSpace(pg.labels[id]) == "" {
					t.Errorf("<%s name=%q id=%q> has no <label for>", c.Data, attr(c, "name"), id)
				}
				if strings.Contains(pg.labels[id], eidMarker) {
					t.Errorf("%s: the marker is part of the label; it belongs in the description", id)
				}
				pg.descriptions(c) // no dangling references
			}
		})
	}
}

func TestFormPageWithheldAndMissingClaims(t *testing.T) {
	c := claimsJSON(t, fullClaims)
	delete(c, "vn_ethnicity")
	delete(c, "email")
	pg := formFor(t, c, time.Now())
	eth := pg.control("ethnicity")
	if valueOf(eth) != "" || hasAttr(eth, "readonly") || pg.markedFromEID(eth) {
		t.Errorf("ethnicity without the claim: %v", eth.Attr)
	}
	if !pg.describedAs(eth, "không chia sẻ thông tin dân tộc") {
		t.Errorf("ethnicity lacks the withheld note: %q", pg.descriptions(eth))
	}
	em := pg.control("email")
	if valueOf(em) != "" || hasAttr(em, "readonly") || !pg.describedAs(em, "không cung cấp") {
		t.Errorf("email without the claim: %v, described as %q", em.Attr, pg.descriptions(em))
	}
	if ph := pg.control("phone"); !pg.markedFromEID(ph) {
		t.Error("phone, which came, lost its marker")
	}
}

func TestHandFilledFormHasNoMarkers(t *testing.T) {
	pg := formFor(t, nil, time.Now())
	for _, c := range pg.controls {
		if hasAttr(c, "readonly") || hasAttr(c, "disabled") || pg.markedFromEID(c) {
			t.Errorf("%s is locked or marked in a hand-filled form", attr(c, "id"))
		}
	}
	if strings.Contains(pg.text, eidMarker) || strings.Contains(pg.text, missingNote) {
		t.Error("a hand-filled form speaks of the e-ID's values")
	}
}
