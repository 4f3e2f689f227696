#include "xep/forms/table.hpp"

#include <algorithm>

namespace xmpp::forms {

Table table(const Form& form) {
  Table out;
  for (const auto& f : form.reported)
    if (!f.var.empty()) out.columns.push_back(Column{f.var, f.label, f.type});
  if (form.reported.empty()) {
    // §3.4: senders older than 2.12.0 may leave the header out; the items still have vars.
    for (const auto& item : form.items)
      for (const auto& f : item.fields) {
        const bool known = std::any_of(out.columns.begin(), out.columns.end(),
                                       [&](const Column& c) { return c.var == f.var; });
        if (!f.var.empty() && !known) out.columns.push_back(Column{f.var, f.label, f.type});
      }
  }
  for (const auto& item : form.items) {
    auto& row = out.rows.emplace_back();
    for (const auto& column : out.columns) {
      const auto* f = item.field(column.var);
      row.push_back(f != nullptr ? f->values : std::vector<std::string>{});
    }
  }
  return out;
}

}  // namespace xmpp::forms
