package config

import (
	"net/url"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"duban/ledger"
)

// redactedSecret replaces every secret that is set in Redacted's output.
const redactedSecret = "******"

// Redacted prints the effective configuration as TOML, every section with
// its defaults filled in, secrets shown as "******" when set and "" when
// not: the SMTP and admin passwords, the password hash, a password in the
// database URL, and the heartbeat and robot webhook URLs but their scheme
// and host (whoever has the URL can ping the check, or post to the group),
// the robots' secrets. The output loads again with Load.
func (c *Config) Redacted() string {
	r := *c
	r.Database.URL = redactURL(c.Database.URL)
	r.Mail.SMTP.Password = redact(c.Mail.SMTP.Password)
	r.Admin.Password = redact(c.Admin.Password)
	r.Admin.PasswordHash = redact(c.Admin.PasswordHash)
	r.Admin.SecretKey = redact(c.Admin.SecretKey)
	r.Heartbeat.URL = redactHeartbeat(c.Heartbeat.URL)
	r.SupervisorRobots = redactRobots(c.SupervisorRobots)
	r.Units = slices.Clone(c.Units)
	for i := range r.Units {
		u := &r.Units[i]
		rr := redactRobots(u.Robots())
		u.WeComWebhook, u.DingTalkWebhook, u.DingTalkSecret, u.FeishuWebhook, u.FeishuSecret =
			rr.WeComWebhook, rr.DingTalkWebhook, rr.DingTalkSecret, rr.FeishuWebhook, rr.FeishuSecret
	}
	r.Leaders = slices.Clone(c.Leaders)
	for i := range r.Leaders {
		l := &r.Leaders[i]
		rr := redactRobots(l.Robots())
		l.WeComWebhook, l.DingTalkWebhook, l.DingTalkSecret, l.FeishuWebhook, l.FeishuSecret =
			rr.WeComWebhook, rr.DingTalkWebhook, rr.DingTalkSecret, rr.FeishuWebhook, rr.FeishuSecret
	}
	out, err := toml.Marshal(r)
	if err != nil {
		// Unreachable: Config holds only strings, numbers, booleans, texts
		// and tables and lists of them. Still, a printout must not take the
		// daemon down.
		return "# config: cannot print the configuration: " + err.Error() + "\n"
	}
	return string(out)
}

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedSecret
}

// redactURL hides the password of a database URL (see databaseURLSecret).
func redactURL(raw string) string {
	redacted, _ := databaseURLSecret(raw)
	return redacted
}

// databaseURLSecret returns the database URL with its password hidden, and
// whether it held one, however it is spelt: in the user info, or in a query
// parameter whose name, percent-decoded and in any letter case, contains
// "pass" (password=, PASSWORD=, pass%77ord=, sslpassword=). A URL that does
// not parse is hidden whole: there is no telling where its password is. It
// builds the text by hand where url.URL would percent-encode the asterisks.
func databaseURLSecret(raw string) (string, bool) {
	if strings.HasPrefix(raw, "sqlite:") {
		return raw, false // a file path has no secret
	}
	u, err := url.Parse(raw)
	if err != nil {
		return redactedSecret, true
	}
	_, inUserInfo := u.User.Password()
	if inUserInfo {
		u.User = url.User(u.User.Username())
	}
	inQuery := false
	params := strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' })
	for i, p := range params {
		key, _, _ := strings.Cut(p, "=")
		if isPasswordKey(key) {
			params[i] = key + "=" + redactedSecret
			inQuery = true
		}
	}
	if !inUserInfo && !inQuery {
		return raw, false
	}
	u.RawQuery = strings.Join(params, "&")
	s := u.String()
	if inUserInfo {
		at := strings.Index(s, "@")
		s = s[:at] + ":" + redactedSecret + s[at:]
	}
	return s, true
}

// isPasswordKey reports a query parameter that may carry a password, as a
// driver decodes its name; a name that does not decode is judged as written.
func isPasswordKey(key string) bool {
	if decoded, err := url.QueryUnescape(key); err == nil {
		key = decoded
	}
	return strings.Contains(strings.ToLower(key), "pass")
}

// redactRobots hides the robots' webhook URLs (but for which platform's
// host they go to) and secrets.
func redactRobots(r ledger.Robots) ledger.Robots {
	return ledger.Robots{
		WeComWebhook:    redactHeartbeat(r.WeComWebhook),
		DingTalkWebhook: redactHeartbeat(r.DingTalkWebhook),
		DingTalkSecret:  redact(r.DingTalkSecret),
		FeishuWebhook:   redactHeartbeat(r.FeishuWebhook),
		FeishuSecret:    redact(r.FeishuSecret),
	}
}

// redactHeartbeat keeps the scheme and host of a heartbeat or webhook URL,
// which say which monitor or platform it reaches, and hides the rest: the
// token is in the path, the query or the user info.
func redactHeartbeat(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return redactedSecret
	}
	return u.Scheme + "://" + u.Host + "/" + redactedSecret
}
