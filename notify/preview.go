package notify

// Render fills a message's template as the outbox does when it sends it
// (the union's values, the recipient's name, the message's secrets); it
// stores and sends nothing. The officers' invitation preview uses it to show
// the email exactly as members get it.
func (o *Outbox) Render(m Message) (Rendered, error) {
	return o.render(m.Template, m.Data, m.Secret, m.ToName)
}
