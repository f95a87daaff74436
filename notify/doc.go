// Package notify turns dispatches into messages and delivers them, by
// email or through the group-chat robots of 企业微信, 钉钉 and 飞书.
//
// Templates render a recipient's digest: subject, plain text and HTML for
// email, markdown cut to the platforms' limit for a robot; embedded
// templates that a directory may override. A Channel delivers the
// dispatches of one channel. Email builds a go-mail message of a stored
// dispatch, with a Message-ID derived from the dispatch key so that a
// retried message is the same message, and hands it to a Transport: SMTP
// (go-mail's own send on a small pool of reused connections, TLS modes
// starttls, tls and none, AUTH, a rate limit) or the Outbox (.eml files).
// Robots posts the markdown to a robot's webhook, signed where the
// platform signs, at most 20 a minute per robot (the rest wait, pending).
// The Worker's senders each claim a batch of due dispatches with a lease,
// send each through its channel and record the outcomes; Classify and the
// platforms' answers tell the failures worth retrying from the final ones.
package notify
