package app_test

// Helpers of the headless-browser test (browser_test.go): finding and
// starting Chromium, one tab per viewport in its own browser context,
// keyboard navigation, the label check and screenshots.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumPath finds the browser: $CHROMIUM when set, else
// /usr/bin/chromium, else chromium, chromium-browser or google-chrome on
// PATH. When none is found it says where it looked.
func chromiumPath() (path, notFound string) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if isExecutable(p) {
			return p, ""
		}
		return "", fmt.Sprintf("$CHROMIUM=%q is not an executable file", p)
	}
	if isExecutable("/usr/bin/chromium") {
		return "/usr/bin/chromium", ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", "no $CHROMIUM, no /usr/bin/chromium, and no chromium, chromium-browser or google-chrome in PATH"
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// headless is one Chromium process shared by the subtests; each journey
// opens a tab in a fresh browser context (no cookies, no storage).
type headless struct {
	ctx    context.Context
	output *lockedBuffer
}

// startChromium starts Chromium, or skips the test when there is none
// (fails instead when DINHDANH_REQUIRE_BROWSER=1, as in CI).
func startChromium(t *testing.T) *headless {
	t.Helper()
	path, notFound := chromiumPath()
	if path == "" {
		msg := "headless-browser test needs Chromium: " + notFound + " (apt-get install chromium, or set CHROMIUM)"
		if os.Getenv("DINHDANH_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + "; DINHDANH_REQUIRE_BROWSER=1 makes this a failure")
		}
		t.Skip(msg)
	}
	out := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		// A Vietnamese citizen's browser.
		chromedp.Flag("lang", "vi-VN"),
		chromedp.Flag("accept-lang", "vi-VN,vi"),
		chromedp.CombinedOutput(out),
	)
	// Bounds the whole browser's life: a hung Chromium fails the test.
	base, cancelBase := context.WithTimeout(context.Background(), 4*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	var mu sync.Mutex
	done := false
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf("chromedp: "+format, args...)
		}
	}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		cancelBase()
		mu.Lock()
		done = true
		mu.Unlock()
		if t.Failed() {
			t.Logf("Chromium output (last 4 KiB):\n%s", out.tail(4096))
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", path, err, out.tail(4096))
	}
	t.Logf("browser: %s", path)
	return &headless{ctx: ctx, output: out}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail is the end of the output, without the lines about D-Bus, which
// Chromium writes by the dozen where no bus runs (containers, CI).
func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var keep []string
	for line := range strings.Lines(b.buf.String()) {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	s := strings.Join(keep, "")
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// viewport is a screen the journey runs at.
type viewport struct {
	name          string
	width, height int64
	mobile        bool // mobile emulation: device scale 2, touch, taps
}

// tab is one journey's tab: its deadline, its screenshots directory and
// the number of the next screenshot.
type tab struct {
	t     *testing.T
	vp    viewport
	ctx   context.Context
	shots string
	n     int
}

// newTab opens a tab in a fresh browser context, emulates the viewport
// and gives the journey timeout to everything done in it.
func (h *headless) newTab(t *testing.T, vp viewport, timeout time.Duration) *tab {
	t.Helper()
	tabCtx, cancelTab := chromedp.NewContext(h.ctx, chromedp.WithNewBrowserContext())
	ctx, cancel := context.WithTimeout(tabCtx, timeout)
	t.Cleanup(func() { cancel(); cancelTab() })
	shots := filepath.Join(repoRoot(t), "artifacts", "screenshots", vp.name)
	if err := os.RemoveAll(shots); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", shots)
	tb := &tab{t: t, vp: vp, ctx: ctx, shots: shots}
	emulate := chromedp.EmulateViewport(vp.width, vp.height)
	if vp.mobile {
		emulate = chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	tb.do("emulating the viewport", emulate)
	return tb
}

// repoRoot is the directory holding go.mod, above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// fatalf ends the journey, first saving a screenshot of where it stopped.
func (tb *tab) fatalf(format string, args ...any) {
	tb.t.Helper()
	msg := fmt.Sprintf(format, args...)
	where := ""
	if tb.ctx.Err() == nil {
		if loc, err := chromedp.Run(tb.ctx, chromedp.Location()); err == nil {
			where = " (at " + loc + ")"
		}
		if png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100)); err == nil {
			p := filepath.Join(tb.shots, "failure.png")
			if os.WriteFile(p, png, 0o644) == nil {
				where += "; screenshot " + p
			}
		}
	} else {
		where = " (journey timeout)"
	}
	tb.t.Fatalf("%s: %s%s", tb.vp.name, msg, where)
}

func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.fatalf("%s: %v", what, err)
	}
}

// eval runs a JavaScript expression in the page and decodes its value.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.fatalf("evaluating %.60q: %v", js, err)
	}
	return v
}

// navigates runs trigger (a click, a key) and waits for the page it leads
// to, after any redirects, to load.
func (tb *tab) navigates(what string, trigger chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, trigger)); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			tb.fatalf("%s: no new page loaded within 20 s", what)
		}
		tb.fatalf("%s: %v", what, err)
	}
}

// press activates an element the way the viewport's user would: a tap on
// the phone, a click on the desktop. It does not wait for a new page.
func (tb *tab) press(sel string) chromedp.Action[chromedp.Void] {
	if tb.vp.mobile {
		return chromedp.Tap(chromedp.CSS(sel))
	}
	return chromedp.Click(chromedp.CSS(sel))
}

// pageIs fails unless the current page's location starts with prefix and
// has an element matching sel.
func (tb *tab) pageIs(name, prefix, sel string) {
	tb.t.Helper()
	loc := eval[string](tb, `location.href`)
	if !strings.HasPrefix(loc, prefix) {
		tb.fatalf("expected the %s page under %s, got %s", name, prefix, loc)
	}
	if !eval[bool](tb, fmt.Sprintf(`document.querySelector(%q) !== null`, sel)) {
		tb.fatalf("the %s page has no %s", name, sel)
	}
}

// describeJS names an element for messages: tag, name or id, type, and
// the start of its text.
const describeJS = `function describe(el) {
	if (!el || el === document.body) return 'the page (body)';
	if (el === document.documentElement) return 'the document';
	let s = el.tagName.toLowerCase();
	if (el.id) s += '#' + el.id;
	if (el.getAttribute('name')) s += '[name=' + el.getAttribute('name') + ']';
	if (el.type && el.tagName !== 'BUTTON' && el.type !== 'text') s += '[type=' + el.type + ']';
	if (el.tagName === 'BUTTON' && el.value) s += '[value=' + el.value + ']';
	const text = (el.innerText || '').trim().replace(/\s+/g, ' ');
	if (text && (el.tagName === 'A' || el.tagName === 'BUTTON')) s += ' "' + text.slice(0, 40) + '"';
	return s;
}`

// focusPageStart moves keyboard focus to the start of the document, so
// that the next Tab reaches the first focusable element, as for a user
// who has just arrived (autofocus notwithstanding).
func (tb *tab) focusPageStart() {
	tb.t.Helper()
	eval[bool](tb, `(() => {
		if (document.activeElement) document.activeElement.blur();
		const b = document.body;
		b.setAttribute('tabindex', '-1');
		b.focus({preventScroll: true});
		b.removeAttribute('tabindex');
		window.scrollTo(0, 0);
		return true;
	})()`)
}

// tabTo presses Tab, from wherever focus is, until the focused element
// matches sel: at most limit presses. Failing, it lists where focus went,
// which shows an unreachable element or a keyboard trap.
func (tb *tab) tabTo(sel string, limit int) {
	tb.t.Helper()
	var path []string
	check := fmt.Sprintf(`(() => { %s
		const el = document.activeElement;
		return {match: !!el && el.matches(%q), name: describe(el)};
	})()`, describeJS, sel)
	type focusState struct {
		Match bool   `json:"match"`
		Name  string `json:"name"`
	}
	for range limit {
		tb.do("pressing Tab", chromedp.KeyEvent(kb.Tab))
		st := eval[focusState](tb, check)
		path = append(path, st.Name)
		if st.Match {
			tb.t.Logf("%s: Tab ×%d reached %s", tb.vp.name, len(path), st.Name)
			return
		}
	}
	tb.fatalf("%s not reached by keyboard after %d Tab presses; focus went: %s", sel, limit, strings.Join(path, " → "))
}

// typeKeys types text into the focused element, key by key, and checks
// the element now holds it.
func (tb *tab) typeKeys(what, text string) {
	tb.t.Helper()
	tb.do("typing the "+what, chromedp.KeyEvent(text))
	if got := eval[string](tb, `document.activeElement ? String(document.activeElement.value) : ''`); got != text {
		tb.fatalf("after typing the %s the focused field holds %d characters, want %d", what, len([]rune(got)), len([]rune(text)))
	}
}

// labelReport is what checkPage's script finds.
type labelReport struct {
	Lang      string   `json:"lang"`
	Unlabeled []string `json:"unlabeled"`
}

// labelJS lists every visible form control (not hidden, submit, button,
// reset or image inputs) that has no accessible label: no <label> (by for=
// or wrapping) with text, no aria-label, no aria-labelledby naming an
// element with text.
const labelJS = `(() => { %s
	const skip = ['hidden', 'submit', 'button', 'reset', 'image'];
	const unlabeled = [];
	for (const el of document.querySelectorAll('input, select, textarea')) {
		if (el.tagName === 'INPUT' && skip.includes(el.type)) continue;
		if (!el.checkVisibility({visibilityProperty: true})) continue;
		if (Array.from(el.labels || []).some(l => l.textContent.trim() !== '')) continue;
		if ((el.getAttribute('aria-label') || '').trim() !== '') continue;
		const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
		if (by.some(id => { const r = document.getElementById(id); return r && r.textContent.trim() !== ''; })) continue;
		unlabeled.push(describe(el));
	}
	return {lang: (document.documentElement.getAttribute('lang') || '').trim(), unlabeled};
})()`

// checkPage checks the page's labels and language and saves its
// full-page screenshot as NN-name.png.
func (tb *tab) checkPage(name string) {
	tb.t.Helper()
	rep := eval[labelReport](tb, fmt.Sprintf(labelJS, describeJS))
	if rep.Lang == "" {
		tb.t.Errorf("%s: %s page: <html> has no lang attribute", tb.vp.name, name)
	}
	if len(rep.Unlabeled) > 0 {
		tb.t.Errorf("%s: %s page: form controls without a label: %s", tb.vp.name, name, strings.Join(rep.Unlabeled, ", "))
	}
	tb.n++
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.fatalf("screenshot of the %s page: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(tb.shots, fmt.Sprintf("%02d-%s.png", tb.n, name)), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// shownJS is what the page shows a sighted user: the text of visible
// elements (option lists left out) and the values of visible fields and
// of selected options.
const shownJS = `(() => {
	const parts = [];
	const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = w.nextNode(); n; n = w.nextNode()) {
		const p = n.parentElement;
		if (!p || p.closest('select, script, style, template, noscript')) continue;
		if (!p.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
		parts.push(n.nodeValue);
	}
	for (const el of document.querySelectorAll('input, textarea')) {
		if (el.type === 'hidden' || el.type === 'password') continue;
		if (el.checkVisibility({visibilityProperty: true})) parts.push(el.value);
	}
	for (const s of document.querySelectorAll('select')) {
		if (s.checkVisibility({visibilityProperty: true})) for (const o of s.selectedOptions) parts.push(o.text);
	}
	return parts.join('\n');
})()`

// fieldValuesJS is every form field's value, hidden ones included: what
// a submission would carry.
const fieldValuesJS = `Array.from(document.querySelectorAll('input, textarea, select')).map(el => el.value).join('\n')`
