package store

import "strings"

// LIKE patterns for searches typed by users. The typed text is matched as
// written: its %, _ and \ are escaped, so that a search for "%" finds a
// literal percent sign instead of every row. Every LIKE taking such a
// pattern is followed by LikeEscape, which names the escape character on
// both SQLite (which has none by default) and PostgreSQL.

// LikeEscape follows a LIKE whose pattern came from LikeContains or
// LikePrefix.
const LikeEscape = ` ESCAPE '\'`

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// LikeContains is the pattern of values containing s.
func LikeContains(s string) string { return "%" + likeEscaper.Replace(s) + "%" }

// LikePrefix is the pattern of values starting with s.
func LikePrefix(s string) string { return likeEscaper.Replace(s) + "%" }
