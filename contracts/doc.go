// Package contracts owns the collective bargaining agreements: their text as
// data, the views members read them in, and the calculators that apply them.
//
// # Documents
//
// Each agreement is a source file in this directory (ace-2021-2024.md,
// aea-2021-2024.md), embedded in the binary and parsed at start-up by
// Library.Load; a broken embedded agreement stops the program. The format,
// described in FORMAT.md, is Markdown-like and line-oriented: a front matter
// block (id, title, parties, term, status history, calculator family), then
// articles ("# 601 SICK LEAVE"), lettered and numbered sections ("## A.",
// "### 1."), one paragraph a line, tables with numeric cells (":::table"),
// and appendices ("# Title {#id}"). Headings and captions the editor supplied
// carry a "supplied" mark, and inline CriticMarkup records the redline:
// {--deleted--}, {++inserted++} and {>>editor's note<<}. Parse and
// ParseVersion return *errs.Error values whose Field names the line and the
// field at fault ("line 42: article.number"); Parse never panics.
//
// A parsed Document is immutable. Its Changes list every marked change with
// the article and section holding it (the summary of changes); Render gives
// the clean view (new wording only) or the redline view (old wording struck,
// new underlined) of a paragraph's segments; Lookup resolves deep-link
// anchors such as "601-B" or "404-A-2"; TOC lists the headings; SHA256 is the
// hash of the source bytes, which a ballot binds so that members vote on
// exactly this text.
//
// The Library holds the documents. Published versions are immutable: adding
// a different source under an id already held is a Conflict. Search finds
// paragraphs, titles and table rows of the clean text holding every word of
// a query and returns them with a deep-link anchor and a snippet whose
// matches are marked.
//
// # Calculators
//
// A document names its calculator family in its front matter ("ace",
// "aea"). When it is loaded, the family reads what it needs from the
// document itself: the salary schedules, the job-title list, the cash-out
// tiers and the holidays from tables marked data=…, and every rule it
// applies (pay, overtime, leave, deadlines, supplements) from the passage
// that states it, so that a calculator never applies a rule the agreement
// does not state and each result cites the article and section it applied.
//
// The calculators are pure functions with typed inputs and results (the
// methods of ACE and AEA), and are also reachable by name with JSON input
// through Library.Calculate, which Library.Calculators describes with an
// input schema for forms and clients. Every result carries "working" (the
// lines of the computation) and "citations". Money is computed in integer
// cents (Money) and exact decimals, rounded half up to the cent only where a
// payment is made, and marshals as a JSON number with two decimals. Invalid
// input is an Invalid *errs.Error naming the snake_case input; malformed
// JSON is BadRequest; an unknown agreement or calculator is NotFound.
//
// # Versions officers load
//
// Store keeps the versions officers upload and the status changes they
// make, in MongoDB, and mirrors them into a Library: Load at start-up (and
// Watch, for what other instances store), Publish for an upload, Advance
// for a status change. An upload is validated as ParseVersion does; a
// published version never changes (a different text under a held id is a
// Conflict, the same text a no-op); a status only moves forward, with a
// date no earlier than the last, checked by CheckAdvance against the
// source's history and the changes stored since. Every write inserts a
// document with a unique _id (the agreement id for a version, the agreement
// id and a sequence number for a status change), so that instances racing
// on the same agreement cannot both win; every read on a request's path is
// by _id. A status change replaces the library's *Document with a copy
// carrying the new history: documents handed out before stay as they were.
// ContractFor gives a ballot the title, the SHA-256 and the summary address
// of the text it binds.
//
// Apart from Store, the package does no I/O beyond reading its embedded
// files; the HTTP handlers live in package handlers.
package contracts
