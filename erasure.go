package fanmail

// Erasure (탈퇴 and 삭제 on request, GDPR Art. 17, PIPA Art. 21 and 36): a
// member who leaves in the portal, or whom staff erase on request, loses
// every personal detail at once. The member row stays as a numbered
// placeholder (no address, name, phone, birth year, gender, postal address,
// member id or password) so the records below keep pointing at something.

// ErasureKept is one kind of record that survives an erasure, and why.
type ErasureKept struct {
	What   string // English message key
	Why    string // English message key
	Basis  string // the law or rule, "" if none
	Detail string // what of it is kept exactly; English message key
}

// ErasureKeeps lists what an erasure keeps and why, for the privacy page,
// the README and the confirmation pages. Everything else personal is
// deleted or irreversibly anonymised.
var ErasureKeeps = []ErasureKept{
	{What: "Orders", Why: "Tax and accounting records must be kept.",
		Basis:  "Framework Act on National Taxes Art. 85-3; Commercial Act Art. 33",
		Detail: "Order number, date, amounts and items, without name, address or any contact detail."},
	{What: "Consent and notice records", Why: "We must be able to prove when consent to advertising was given and withdrawn.",
		Basis:  "Act on Promotion of Information and Communications Network Utilization Art. 50",
		Detail: "Purpose, channel, granted or withdrawn, wording version and time, under a member number only; no address or IP address."},
	{What: "Chip and point ledger", Why: "Balances and redemptions must add up for every shop and brand.",
		Basis: "", Detail: "Amounts, dates and reasons under a member number only; staff notes are removed."},
	{What: "Gift certificates and redemptions", Why: "A redeemed certificate is part of the shop's accounts.",
		Basis: "", Detail: "Value, state and dates under a member number only; unused certificates are voided."},
	{What: "A salted hash of the e-mail address on the suppression list", Why: "So that a later import or list never mails the person again.",
		Basis:  "Act on Promotion of Information and Communications Network Utilization Art. 50(2)",
		Detail: "A keyed hash (HMAC-SHA256) that cannot be turned back into the address. Joining again on the join page with fresh consent removes it."},
	{What: "Anonymous statistics", Why: "Counts per brand, survey answer, gender and age band hold no one's identity.",
		Basis: "PIPA Art. 58-2", Detail: "Only counts; campaign open and click counts lose the link to the person."},
}
