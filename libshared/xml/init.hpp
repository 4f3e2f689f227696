// Process-wide set-up of the XML layer (SECURITY.md "Settings (SAX2)": XERCES_DISABLE_DTD on
// Xerces-C 3.2.4, XMLPlatformUtils::Initialize once). Defined in xml/parser.cpp, the only file that
// includes Xerces.
#pragma once

namespace xmpp::xml {

/// Idempotent and thread-safe: sets XERCES_DISABLE_DTD=1 and initialises Xerces-C once for the
/// life of the process. Every StreamParser and XercesParser constructor calls it, so a program
/// need not (and `xmpp` does not: commands that parse nothing skip the cost). setenv is not
/// thread-safe: the first parser must be made while the process has one thread, as `xmpp`'s
/// single io_context thread guarantees.
void initialize();

}  // namespace xmpp::xml
