// SplitTopLevel: the statements the server runs for one query text when
// multi-statements are on, as the `mariadb` client sends a chunk ended by a
// custom DELIMITER ("INSERT ...; INSERT ...//" is one query, and the server
// runs both, stopping at the first error).
//
// The text is cut at each ";" at the top level: not inside strings, quoted
// identifiers or comments (sql/lexer.hpp reads those), and not inside a
// compound statement, whose ";" the server's parser keeps:
//  - BEGIN ... END (at the start of a top-level statement only BEGIN NOT
//    ATOMIC; BEGIN alone, BEGIN WORK and XA BEGIN start a transaction);
//  - CASE ... END [CASE] (statement or expression);
//  - IF ... END IF, where IF starts a statement (the text's start, after ";",
//    BEGIN, THEN, ELSE, DO, LOOP, REPEAT, a label's ":" or FOR EACH ROW), not
//    the IF() function or IF [NOT] EXISTS;
//  - LOOP, WHILE ... DO, REPEAT ... UNTIL, FOR x IN ... DO, each ... END x;
//  - so the body of CREATE [OR REPLACE] [DEFINER=...] PROCEDURE / FUNCTION /
//    TRIGGER / EVENT stays with it when it is compound; a body that is one
//    plain statement ends at its ";", as the server ends it;
//  - CREATE [OR REPLACE] [DEFINER=...] PACKAGE [BODY] is never cut (its
//    specification lists routines separated by ";").
//
// Returns the pieces, each trimmed of surrounding blanks and without its
// ";"; pieces that are empty or only a comment are dropped (the client
// sends nothing for them). When fewer than two pieces hold SQL, returns the
// whole `text` unchanged as the one piece, so that a statement that ran as
// one before (CREATE PROCEDURE ... END;) keeps exactly its text.
//
// Known limits: the lexer reads backslashes as escapes whatever the session's
// NO_BACKSLASH_ESCAPES; a routine body that is a bare IF/LOOP/WHILE/REPEAT
// right after the parameter list or characteristics (without BEGIN) is not
// recognised as compound; a ";" inside an executable comment "/*! ... */"
// cuts there.
//
// Ownership: the pieces point into `text`.
#ifndef CHIMP_SQL_TOP_LEVEL_SPLIT_HPP_
#define CHIMP_SQL_TOP_LEVEL_SPLIT_HPP_

#include <string_view>
#include <vector>

namespace chimp::internal {

std::vector<std::string_view> SplitTopLevel(std::string_view text);

}  // namespace chimp::internal

#endif  // CHIMP_SQL_TOP_LEVEL_SPLIT_HPP_
