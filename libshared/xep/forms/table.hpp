// XEP-0004 (version 2.13.2) §3.4 multiple items in form results: the <reported/> header and the
// <item/> rows of a result form as a table of columns and cells, for renderers. No I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "xep/forms/form.hpp"

namespace xmpp::forms {

/// One column: a <reported/> field.
struct Column {
  std::string var;
  std::optional<std::string> label;
  std::optional<FieldType> type;
  bool operator==(const Column&) const = default;
};

/// A result table. rows[i][j] holds the values of column j in item i (empty when the item lacks
/// that field, which §3.4 forbids but servers do).
struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<std::vector<std::string>>> rows;
  bool operator==(const Table&) const = default;
};

/// The form's table. The columns are the <reported/> fields; when a result has items but no
/// <reported/>, the vars of the items in order of first appearance (§3.4 asks readers to be
/// flexible). Item fields that are not columns are left out. Empty when the form has no items
/// and no <reported/>.
Table table(const Form& form);

}  // namespace xmpp::forms
