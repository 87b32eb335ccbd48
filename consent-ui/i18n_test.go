package consentui

import (
	"io/fs"
	"regexp"
	"testing"
)

// Every message exists in both languages, and every key a template uses
// exists: a missing one would show the raw key to a citizen.
func TestMessagesComplete(t *testing.T) {
	for key := range messages[langVI] {
		if _, ok := messages[langEN][key]; !ok {
			t.Errorf("%q has no English text", key)
		}
	}
	for key := range messages[langEN] {
		if _, ok := messages[langVI][key]; !ok {
			t.Errorf("%q has no Vietnamese text", key)
		}
	}
	used := regexp.MustCompile(`t \.Lang "([a-z_.]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := templateFS.ReadFile(path)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages[langVI][m[1]]; !ok {
				t.Errorf("%s uses unknown message %q", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPickLang(t *testing.T) {
	for _, c := range []struct{ ui, accept, want string }{
		{"", "", "vi"}, {"en", "", "en"}, {"fr en-US", "", "en"}, {"", "en-GB,en;q=0.8", "en"},
		{"vi", "en", "vi"}, {"", "fr, de", "vi"},
	} {
		r := newRequest(c.accept)
		if got := pickLang(r, c.ui); got != c.want {
			t.Errorf("ui_locales=%q Accept-Language=%q: %s, want %s", c.ui, c.accept, got, c.want)
		}
	}
}
