// Package notify turns dispatches into email and delivers them.
//
// Templates render a recipient's digest and the weekly summary (subject,
// plain text, HTML) from embedded templates that a directory may override.
// BuildMessage makes a go-mail message of a stored dispatch, with a
// Message-ID derived from the dispatch key so that a retried message is the
// same message. A Transport hands messages over: SMTP (a small pool of
// reused connections, TLS modes starttls, tls and none, AUTH, a rate limit)
// or the Outbox (.eml files). The Worker claims due dispatches from the
// store with a lease, sends each and records the outcome; Classify tells
// the failures worth retrying from the final ones.
package notify
