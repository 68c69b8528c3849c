/* The SQL of the multi_statement fixtures (issue 10, item 10), shared with
 * tests/integration/issues/issue_0010_splitter_test.cpp, which runs the same
 * text through the `mariadb` client to compare.
 *   MULTI_STATEMENT_SQL         two INSERTs in one chunk under DELIMITER //, a
 *                               procedure whose body holds ";", and its CALL
 *   MULTI_STATEMENT_FAILS_SQL   a chunk whose second statement needs table
 *                               ms_needed (absent until the operator creates it)
 */
#ifndef CHIMP_TESTS_PLUGINS_MULTI_STATEMENT_SQL_H_
#define CHIMP_TESTS_PLUGINS_MULTI_STATEMENT_SQL_H_

#define MULTI_STATEMENT_SQL                                                  \
  "CREATE TABLE ms_t (id INT PRIMARY KEY);\n"                                \
  "DELIMITER //\n"                                                           \
  "INSERT INTO ms_t VALUES (1); INSERT INTO ms_t VALUES (2)//\n"             \
  "CREATE PROCEDURE ms_p()\nBEGIN\n  INSERT INTO ms_t VALUES (3);\nEND;//\n" \
  "DELIMITER ;\n"                                                            \
  "CALL ms_p();\n"

#define MULTI_STATEMENT_FAILS_SQL                                              \
  "DELIMITER //\n"                                                             \
  "CREATE TABLE ms_a (id INT PRIMARY KEY); INSERT INTO ms_needed VALUES (1); " \
  "CREATE TABLE ms_b (id INT PRIMARY KEY)//\n"                                 \
  "INSERT INTO ms_a VALUES (1); INSERT INTO ms_a VALUES (2)//\n"               \
  "DELIMITER ;\n"

#endif
