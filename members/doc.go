// Package members owns the union's roster: who is in the bargaining unit,
// their contact details and pay placement, and their membership status
// (member, fee payer, non-member), which together decide who may vote.
//
// # What it promises
//
//   - The employee id is the key: members are stored with _id = employee
//     id, and a second collection keyed by lower-cased email maps each email
//     to its member, so that email lookups and email uniqueness never scan.
//   - A roster import (CSV or XLSX from the district, with the union's
//     status column) is previewed first; a file with any row error changes
//     nothing and its report names every bad row, column and value.
//   - Imports converge: applying one writes the difference between the file
//     and the stored roster, keyed by employee id, so that re-running an
//     import that died half-way finishes it and re-running a finished one
//     changes nothing.
//   - Members are never deleted by an import. A member missing from a full
//     roster, or given a separation date, is marked separated and keeps the
//     record.
//   - Eligible is the one rule for who may vote: status member, not
//     separated as of now, and an email address.
//
// The package never reads another package's collections; officers' accounts
// live in package officers.
package members
