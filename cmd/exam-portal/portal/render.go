package portal

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one template set per page, each with the shared layout.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"home", "form", "denied", "error", "submitted"} {
		m[name] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return m
}()

type errPage struct {
	Status            int
	Title, Message    string
	Code, Description string // from the provider; html/template escapes them
	Retry             bool
}

// render executes into a buffer so a template error yields a clean 500
// instead of half a page.
func (p *Portal) render(w http.ResponseWriter, status int, page string, data any) {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.Error("render failed", "page", page, "err", err)
		http.Error(w, "Lỗi hệ thống", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (p *Portal) renderError(w http.ResponseWriter, e errPage) {
	p.render(w, e.Status, "error", e)
}

// eidMarker labels every value taken from the e-ID.
const eidMarker = "Từ định danh điện tử"

// missingNote is shown, after an e-ID login, by items whose claims did not
// come (not consented, or not held).
const missingNote = "Định danh điện tử không cung cấp thông tin này. Vui lòng tự điền."

type optionView struct {
	ID, Value         string
	Checked, Disabled bool
}

type inputView struct {
	input
	F Field
	// Type is the HTML input type of a text-like input.
	Type string
	// Class is the input's CSS classes.
	Class string
	// Note is the field's own note (Field.Note, or why it is empty).
	Note string
	// DescribedBy lists the ids of the marker, hint and notes.
	DescribedBy string
	Opts        []optionView
}

func (v inputView) IsRadio() bool      { return v.Kind == kindRadio }
func (v inputView) IsSelect() bool     { return v.Kind == kindSelect }
func (v inputView) IsCheckboxes() bool { return v.Kind == kindCheckboxes }
func (v inputView) IsTextarea() bool   { return v.Kind == kindTextarea }

type itemView struct {
	No, Title, Note string
	// Group: several inputs under a legend; otherwise the single input's
	// label carries the item number.
	Group bool
	// Missing is the note of an item whose claims did not come.
	Missing, MissingID string
	Inputs             []inputView
}

type sectionView struct {
	Title, Note string
	Items       []itemView
}

type formPage struct {
	Sections []sectionView
	CSRF     string
	LoggedIn bool
	AnyEID   bool
	Marker   string
}

// newFormPage lays the form out. loggedIn says the candidate came through
// the e-ID, so an input whose claim did not come says so.
func newFormPage(f Form, csrf string, loggedIn bool) formPage {
	fp := formPage{CSRF: csrf, LoggedIn: loggedIn, Marker: eidMarker}
	for _, s := range formSections {
		sv := sectionView{Title: s.Title, Note: s.Note}
		for _, it := range s.Items {
			iv := itemView{No: it.No, Title: it.Title, Note: it.Note, Group: len(it.Inputs) > 1,
				MissingID: "item-" + it.No + "-note"}
			for _, in := range it.Inputs {
				v := inputView{input: in, F: f[in.ID], Type: htmlType(in.Kind)}
				if !iv.Group {
					v.Label = it.No + ". " + in.Label
				}
				v.Note = v.F.Note
				var ids []string
				if v.F.FromEID {
					fp.AnyEID = true
					ids = append(ids, in.ID+"-src")
				}
				if in.Hint != "" {
					ids = append(ids, in.ID+"-hint")
				}
				if in.Claim != "" && loggedIn && !v.F.FromEID && v.F.Note == "" {
					if in.Withheld != "" {
						v.Note = in.Withheld
					} else {
						iv.Missing = missingNote
						ids = append(ids, iv.MissingID)
					}
				}
				if v.Note != "" {
					ids = append(ids, in.ID+"-note")
				}
				v.DescribedBy = strings.Join(ids, " ")
				var classes []string
				if v.F.FromEID {
					classes = append(classes, "eid")
				}
				if in.Short {
					classes = append(classes, "short")
				}
				v.Class = strings.Join(classes, " ")
				for i, o := range in.Options {
					ov := optionView{ID: in.ID + "-" + strconv.Itoa(i), Value: o, Checked: v.F.Value == o}
					// A radio the e-ID answered keeps only its answer.
					ov.Disabled = v.F.FromEID && !ov.Checked
					v.Opts = append(v.Opts, ov)
				}
				iv.Inputs = append(iv.Inputs, v)
			}
			sv.Items = append(sv.Items, iv)
		}
		fp.Sections = append(fp.Sections, sv)
	}
	return fp
}

func htmlType(k inputKind) string {
	switch k {
	case kindEmail:
		return "email"
	case kindTel:
		return "tel"
	}
	return "text"
}

type summaryRow struct {
	Label, Value string
	FromEID      bool
}

// compulsory are the papers every candidate takes.
const compulsory = "Toán, Ngữ văn"

// summarize lists a submitted form; items from the e-ID take the session's
// value, whatever was posted, the rest what was posted.
func summarize(f Form, posted url.Values) []summaryRow {
	var rows []summaryRow
	for _, s := range formSections {
		for _, it := range s.Items {
			for _, in := range it.Inputs {
				row := summaryRow{Label: it.No + ". " + in.Label, Value: strings.TrimSpace(posted.Get(in.ID))}
				switch {
				case f[in.ID].FromEID:
					row.Value, row.FromEID = f[in.ID].Value, true
				case in.Kind == kindCheckboxes:
					var chosen []string
					for _, v := range posted[in.ID] {
						if slices.Contains(in.Options, v) && !slices.Contains(chosen, v) {
							chosen = append(chosen, v)
						}
					}
					row.Label = it.No + ". " + it.Title
					row.Value = strings.Join(append([]string{compulsory}, chosen...), ", ")
				case len(in.Options) > 0 && !slices.Contains(in.Options, row.Value):
					row.Value = ""
				}
				rows = append(rows, row)
			}
		}
	}
	return rows
}
