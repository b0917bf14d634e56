package auth

import (
	"html/template"
	"net/http"
)

// page is what the browser shows after the redirect back to the app.
type page struct {
	Title   string
	Message string
	Hint    string
	OK      bool
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} — CloudToLocalLLM</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:Canvas;color:CanvasText}
main{max-width:30rem;padding:2rem;text-align:center}
.mark{font-size:2.5rem;line-height:1;margin-bottom:.5rem}
.ok .mark{color:#16a34a}.fail .mark{color:#dc2626}
h1{font-size:1.4rem;margin:.25rem 0 1rem}
p{line-height:1.5;margin:.5rem 0}.hint{opacity:.75}
</style></head>
<body><main class="{{if .OK}}ok{{else}}fail{{end}}">
<div class="mark" aria-hidden="true">{{if .OK}}✓{{else}}✕{{end}}</div>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{with .Hint}}<p class="hint">{{.}}</p>{{end}}
</main></body></html>
`))

func writePage(w http.ResponseWriter, status int, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The page is reached with the authorization code in its URL: it loads nothing and sends no
	// Referer, so the code goes nowhere else.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	pageTemplate.Execute(w, p)
}

func successPage(p Profile) page {
	who := p.Name
	switch {
	case who != "" && p.Email != "":
		who += " (" + p.Email + ")"
	case who == "":
		who = p.Email
	}
	msg := "You are signed in to CloudToLocalLLM."
	if who != "" {
		msg = "You are signed in to CloudToLocalLLM as " + who + "."
	}
	return page{OK: true, Title: "Signed in", Message: msg, Hint: "You can close this tab and go back to the app."}
}

func failurePage(err error) page {
	p := page{Title: "Sign-in did not work", Message: capitalize(err.Error())}
	if pr, ok := err.(*Problem); ok {
		p.Message, p.Hint = capitalize(pr.Message)+".", pr.Hint
		if pr.Code == CodeCancelled {
			p.Title = "Sign-in cancelled"
		}
	}
	return p
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
