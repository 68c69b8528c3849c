#include "sql/lexer.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace chimp::internal {
namespace {

// The tokens of `text`, each as "<type>:<raw>".
std::vector<std::string> Lex(std::string_view text) {
  static const char* kTypes[] = {"end", "w", "q", "s", "p"};
  std::vector<std::string> out;
  Lexer lexer(text);
  for (Token t = lexer.Next(); !t.end(); t = lexer.Next()) {
    out.push_back(std::string(kTypes[static_cast<int>(t.type)]) + ":" + std::string(t.raw));
  }
  return out;
}

TEST_CASE("lexer: words, quoted words, strings and punctuation") {
  CHECK(Lex("SELECT `a b`, \"c\", 'd''e' FROM t1;") ==
        std::vector<std::string>{"w:SELECT", "q:`a b`", "p:,", "q:\"c\"", "p:,", "s:'d''e'", "w:FROM", "w:t1", "p:;"});
  CHECK(Lex("@@session.x$1") == std::vector<std::string>{"p:@", "p:@", "w:session", "p:.", "w:x$1"});
}

TEST_CASE("lexer: blanks and comments are skipped, --x is not a comment") {
  CHECK(Lex("-- c\n# d\n/* e */\tSET") == std::vector<std::string>{"w:SET"});
  CHECK(Lex("--x") == std::vector<std::string>{"p:-", "p:-", "w:x"});
  CHECK(Lex("a--") == std::vector<std::string>{"w:a"});
  CHECK(Lex("/* unterminated").empty());
}

TEST_CASE("lexer: executable comments are SQL up to the server's version") {
  CHECK(Lex("/*!40101 SET x */") == std::vector<std::string>{"w:SET", "w:x"});
  CHECK(Lex("/*M!100100 DROP */ t") == std::vector<std::string>{"w:DROP", "w:t"});
  CHECK(Lex("/*! CREATE */") == std::vector<std::string>{"w:CREATE"});
  CHECK(Lex("/*!999999 CREATE */ SELECT") == std::vector<std::string>{"w:SELECT"});
  CHECK(Lex("a */ b") == std::vector<std::string>{"w:a", "p:*", "p:/", "w:b"});  // no comment open
}

TEST_CASE("lexer: Value() unquotes and unescapes") {
  Lexer lexer("`a``b` 'it''s' \"q\\\"q\" 'back\\\\slash' `no\\esc` word");
  CHECK(lexer.Next().Value() == "a`b");
  CHECK(lexer.Next().Value() == "it's");
  CHECK(lexer.Next().Value() == "q\"q");
  CHECK(lexer.Next().Value() == "back\\slash");
  CHECK(lexer.Next().Value() == "no\\esc");
  const Token word = lexer.Next();
  CHECK(word.Value() == "word");
  CHECK(word.Is("WORD"));
  CHECK_FALSE(word.Is("WOR"));
  CHECK(lexer.Next().end());
  CHECK(lexer.Next().end());
}

TEST_CASE("lexer: an unterminated quote runs to the end") {
  CHECK(Lex("SELECT 'abc") == std::vector<std::string>{"w:SELECT", "s:'abc"});
  CHECK(Lex("'a\\") == std::vector<std::string>{"s:'a\\"});
}

}  // namespace
}  // namespace chimp::internal
