package web

import "net/http"

// ContentSecurityPolicy is the policy of every page fanmail serves: scripts,
// styles, fonts and frames only from fanmail's own origin (htmx and Chart.js
// are vendored under /static), never inline; images also as data: URIs (Pico
// draws its icons with them); and no page may be framed by another site.
// A handler serving other content (the campaign preview's mail HTML) sets its
// own policy.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the security headers of every response before next
// runs, so a handler may replace one (the tracking links ask for no referrer
// at all, the campaign preview's mail HTML has a looser policy and may be
// framed by the admin). With https set (the base URL is https) browsers are
// told to use nothing else for a year; subdomains are not included, since
// fanmail cannot know what else runs under its domain.
func SecurityHeaders(https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// NoReferrer makes pages and redirects reached through a link that carries
// a secret in its path (tracking and unsubscribe links) send no Referer at
// all, not even the origin.
func NoReferrer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
