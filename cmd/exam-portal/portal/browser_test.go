package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserForm serves the form prefilled from claims, as a logged-in
// candidate sees it, in headless Chromium, and returns the browser
// context and the form's URL. It skips with -short or without Chromium.
func browserForm(t *testing.T, claims map[string]any) (context.Context, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	var exe string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		t.Skip("no Chromium found")
	}
	p := newTestPortal(t, testConfig("http://unused.test"))
	p.now = func() time.Time { return at(t, "2025-03-10", 9) }
	c, _ := loggedIn(t, p, claims)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(c)
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to sandbox as root
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	// Start the browser without a deadline, then bound each test.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	ctx, cancelC := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(cancelC)
	return ctx, srv.URL + "/form"
}

// overflowJS lists the elements that stick out of the viewport
// horizontally, and the inputs whose text is under 16 px (phones zoom in
// on those when focused).
const overflowJS = `(() => {
	const out = [];
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth > w) out.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + w);
	for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea, label, legend, .badge, .hint, .note, button, h1, h2")) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) { out.push((el.id || el.tagName) + " is not rendered"); continue; }
		if (r.left < -0.5 || r.right > w + 0.5) out.push((el.id || el.tagName + ":" + el.textContent.slice(0, 30)) + " overflows: " + r.left + ".." + r.right);
	}
	for (const el of document.querySelectorAll("input[type=text], input[type=tel], input[type=email], select, textarea")) {
		if (parseFloat(getComputedStyle(el).fontSize) < 16) out.push(el.id + " has text under 16px");
	}
	return out;
})()`

func TestFormLayoutOnPhoneAndDesktop(t *testing.T) {
	ctx, u := browserForm(t, claimsJSON(t, fullClaims))
	for _, width := range []int64{390, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 844), chromedp.Navigate(u)); err != nil {
				t.Fatal(err)
			}
			problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// focusJS returns the id (or tag) of the focused element.
const focusJS = `document.activeElement ? (document.activeElement.id || document.activeElement.tagName + ":" + document.activeElement.type) : ""`

// tabStopsJS lists the controls the Tab key must reach: every enabled
// control, one per radio group (the checked radio, else the first).
const tabStopsJS = `(() => {
	const out = [], groups = new Set();
	for (const el of document.querySelectorAll("form[action='/form'] input:not([type=hidden]):not([disabled]), form[action='/form'] select, form[action='/form'] textarea")) {
		if (el.type === "radio") {
			if (groups.has(el.name)) continue;
			groups.add(el.name);
			const checked = document.querySelector("input[type=radio][name='" + el.name + "']:checked");
			out.push((checked || el).id);
			continue;
		}
		out.push(el.id);
	}
	return out;
})()`

func TestFormIsKeyboardUsable(t *testing.T) {
	ctx, u := browserForm(t, claimsJSON(t, fullClaims))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	want, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](tabStopsJS))
	if err != nil {
		t.Fatal(err)
	}
	var reached []string
	for range len(want) + 20 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](focusJS))
		if err != nil {
			t.Fatal(err)
		}
		if id == "BUTTON:submit" {
			break
		}
		reached = append(reached, id)
	}
	for _, id := range want {
		if !slices.Contains(reached, id) {
			t.Errorf("Tab never reaches %s", id)
		}
	}
	// Tab order follows the paper form's order.
	var order []string
	for _, id := range reached {
		if slices.Contains(want, id) {
			order = append(order, id)
		}
	}
	if !slices.Equal(order, want) {
		t.Errorf("Tab order %v, want %v", order, want)
	}
	if !slices.Contains(reached, "full_name") || !slices.Contains(reached, "id_number") {
		t.Error("read-only items from the e-ID must stay focusable")
	}
}
