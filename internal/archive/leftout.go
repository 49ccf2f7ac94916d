package archive

// NotCarried is what every archive leaves out, and why: export writes it as "left_out", and the
// export and import pages show it. It is the same for every review, so that exporting a copy gives
// the same file. docs/archive.md says the same at more length.
var NotCarried = []LeftOut{
	{What: "Safeguarding concerns (notes marked as a safeguarding concern), the actions taken on them and the themes only they carry",
		Why: "They are handled under the original organisation's safeguarding procedures and stay with it."},
	{What: "Deleted evidence notes and deleted documents",
		Why: "They were deleted: a copy must not bring them back."},
	{What: "Documents the virus scanner has not passed",
		Why: "They were never available in the service."},
	{What: "The audit log",
		Why: "It is the original organisation's record of who did what and stays with it; the import is audited in the organisation that imports."},
	{What: "Accounts: passwords, two-factor secrets, recovery codes and sessions",
		Why: "People are matched by email address; each organisation's accounts stay its own. Someone the importing organisation does not know is invited to the review, and their work is shown as imported by the person importing."},
	{What: "Invitation, password reset and calendar feed tokens",
		Why: "They are secrets of the organisation and the person they were made for."},
	{What: "Self-assessment reminders already sent",
		Why: "They record mail the original organisation sent; the copy sends its own."},
	{What: "Publication check decisions (hits kept in the report on purpose, with the reason)",
		Why: "Each is tied to the original's own record ids; the lead reviews the check again in the copy."},
	{What: "Who locked the evidence and who last edited each report text, and when",
		Why: "The copy records the person importing and the time of the import."},
	{What: "Database ids, edit counters and idempotency keys",
		Why: "The copy gets its own; inside the archive objects are named by refs and people by email address."},
	{What: "Letters to each area: the template, the sections, saved versions, sign-off and factual-accuracy checks with their comments and answers",
		Why: "The archive's format does not hold them yet. Before moving a review, download each letter (Word or PDF) and each check's comments and answers (CSV) from its page."},
	{What: "Double coding: samples, second coders' codings and the agreed codings",
		Why: "The archive's format does not hold them yet. The consistency page's figures can be read from the original; a copy can draw a sample of its own."},
	{What: "Area pseudonyms (Area A…) and whether the review shows them",
		Why: "A copy deals its own letters when its lead turns pseudonyms on, so that nobody can read one review's letters across to another."},
	{What: "The recommendations register's statuses and responses, and findings' follow-up links to earlier reviews' recommendations",
		Why: "The register is the organisation's across its reviews, and a follow-up names another review of the original organisation."},
}
