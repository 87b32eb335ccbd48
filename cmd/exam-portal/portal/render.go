package portal

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
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

// fieldSpec describes one input of the form page. Its ID is both the
// input's id (for <label for>) and its name.
type fieldSpec struct {
	ID, Label                              string
	Type                                   string // text (default), email, tel, radio, select
	Autocomplete, InputMode, Pattern, Hint string
	Placeholder                            string
	Options                                []string // for radio and select
	Required                               bool
	get                                    func(*Form) *Field // nil: the candidate's own item
}

type section struct {
	Title, Note string
	Specs       []fieldSpec
}

// sections is the form's layout, following the order of the paper form.
var sections = []section{
	{Title: "Thông tin cá nhân", Specs: []fieldSpec{
		{ID: "full_name", Label: "1. Họ, chữ đệm và tên (chữ in hoa có dấu)", Autocomplete: "name", Required: true,
			get: func(f *Form) *Field { return &f.FullName }},
		{ID: "sex", Label: "Giới tính", Type: "radio", Options: []string{"Nam", "Nữ"}, Required: true,
			get: func(f *Form) *Field { return &f.Sex }},
		{ID: "date_of_birth", Label: "2. Ngày sinh", Placeholder: "DD/MM/YYYY", Pattern: `\d{2}/\d{2}/\d{4}`,
			Hint: "Ngày/tháng/năm, ví dụ 05/09/2007.", Required: true,
			get: func(f *Form) *Field { return &f.DateOfBirth }},
		{ID: "place_of_birth", Label: "3. Nơi sinh (tỉnh, thành phố; hoặc tên nước nếu sinh ở nước ngoài)",
			get: func(f *Form) *Field { return &f.PlaceOfBirth }},
		{ID: "ethnicity", Label: "4. Dân tộc",
			get: func(f *Form) *Field { return &f.Ethnicity }},
		{ID: "nationality", Label: "5. Quốc tịch",
			get: func(f *Form) *Field { return &f.Nationality }},
		{ID: "id_number", Label: "6. Số định danh cá nhân (số căn cước)", InputMode: "numeric", Pattern: `\d{12}`,
			Hint: "12 chữ số.", Required: true,
			get: func(f *Form) *Field { return &f.IDNumber }},
	}},
	{Title: "7. Hộ khẩu thường trú", Specs: []fieldSpec{
		{ID: "permanent_address", Label: "Địa chỉ thường trú", Autocomplete: "street-address",
			get: func(f *Form) *Field { return &f.PermanentAddress }},
		{ID: "province_code", Label: "Mã tỉnh", InputMode: "numeric", Pattern: `\d{3}`,
			get: func(f *Form) *Field { return &f.ProvinceCode }},
		{ID: "district_code", Label: "Mã huyện", InputMode: "numeric", Pattern: `\d{3}`,
			get: func(f *Form) *Field { return &f.DistrictCode }},
		{ID: "commune_code", Label: "Mã xã", InputMode: "numeric", Pattern: `\d{5}`,
			get: func(f *Form) *Field { return &f.CommuneCode }},
		{ID: "residence_since", Label: "Thường trú từ ngày", Placeholder: "DD/MM/YYYY", Pattern: `\d{2}/\d{2}/\d{4}`,
			Hint: "Dùng để xét ưu tiên khu vực (thường trú trên 18 tháng).",
			get:  func(f *Form) *Field { return &f.ResidenceSince }},
	}},
	{Title: "Liên hệ", Specs: []fieldSpec{
		{ID: "phone", Label: "8. Điện thoại", Type: "tel", Autocomplete: "tel",
			get: func(f *Form) *Field { return &f.Phone }},
		{ID: "email", Label: "Email", Type: "email", Autocomplete: "email",
			get: func(f *Form) *Field { return &f.Email }},
		{ID: "contact_address", Label: "9. Địa chỉ liên hệ",
			Hint: "Nơi nhận giấy báo dự thi, nếu khác nơi thường trú.",
			get:  func(f *Form) *Field { return &f.ContactAddress }},
	}},
	{Title: "Thông tin học tập và ưu tiên", Note: "Thí sinh tự điền theo hồ sơ của nhà trường; định danh điện tử không cung cấp các mục này.", Specs: []fieldSpec{
		{ID: "school", Label: "10. Trường THPT (tên trường, mã tỉnh, mã trường)"},
		{ID: "class", Label: "Lớp 12"},
		{ID: "priority_category", Label: "11. Đối tượng ưu tiên (nếu có)", Hint: "Ghi ký hiệu đối tượng, để trống nếu không có."},
		{ID: "priority_area", Label: "12. Khu vực ưu tiên", Type: "select", Options: []string{"", "KV1", "KV2-NT", "KV2", "KV3"}},
	}},
}

// electives are the optional subjects of the exam from 2025; a candidate
// takes Mathematics, Literature and two of these.
var electives = []string{
	"Vật lí", "Hóa học", "Sinh học", "Lịch sử", "Địa lí",
	"Giáo dục kinh tế và pháp luật", "Tin học",
	"Công nghệ – Công nghiệp", "Công nghệ – Nông nghiệp", "Ngoại ngữ",
}

type fieldView struct {
	fieldSpec
	F Field
}

type sectionView struct {
	Title, Note string
	Fields      []fieldView
}

type formPage struct {
	Sections  []sectionView
	Electives []electiveView
	CSRF      string
	LoggedIn  bool
	AnyEID    bool
}

type electiveView struct {
	ID, Name string
}

func newFormPage(f Form, csrf string, loggedIn bool) formPage {
	fp := formPage{CSRF: csrf, LoggedIn: loggedIn}
	for _, s := range sections {
		sv := sectionView{Title: s.Title, Note: s.Note}
		for _, spec := range s.Specs {
			var v Field
			if spec.get != nil {
				v = *spec.get(&f)
			}
			fp.AnyEID = fp.AnyEID || v.FromEID
			sv.Fields = append(sv.Fields, fieldView{spec, v})
		}
		fp.Sections = append(fp.Sections, sv)
	}
	for i, name := range electives {
		fp.Electives = append(fp.Electives, electiveView{ID: "elective_" + string(rune('a'+i)), Name: name})
	}
	return fp
}

type summaryRow struct {
	Label, Value string
	FromEID      bool
}

// summarize lists a submitted form; items from the e-ID take the session's
// value, the rest what was posted.
func summarize(f Form, posted url.Values) []summaryRow {
	var rows []summaryRow
	for _, s := range sections {
		for _, spec := range s.Specs {
			row := summaryRow{Label: spec.Label, Value: posted.Get(spec.ID)}
			if spec.get != nil {
				if v := *spec.get(&f); v.FromEID {
					row.Value, row.FromEID = v.Value, true
				}
			}
			if len(spec.Options) > 0 && !slices.Contains(spec.Options, row.Value) {
				row.Value = ""
			}
			rows = append(rows, row)
		}
	}
	var chosen []string
	for _, e := range posted["elective"] {
		if slices.Contains(electives, e) && !slices.Contains(chosen, e) {
			chosen = append(chosen, e)
		}
	}
	subjects := "Toán, Ngữ văn"
	for _, c := range chosen {
		subjects += ", " + c
	}
	return append(rows, summaryRow{Label: "13. Bài thi/môn thi đăng ký", Value: subjects})
}
