// libxml2's SAX2 push parser, for XMLRecordReader (Sources/CStarIO/Records/XMLRecordReader.swift).
// Only used when the headers are installed (apt-get install libxml2-dev); Package.swift checks for them.
#ifndef CSTAR_CLIBXML2_SHIM_H
#define CSTAR_CLIBXML2_SHIM_H

// Debian's libxml2 is built with ICU, and encoding.h then includes ICU's headers, which clash with the copy of ICU
// that Foundation brings (two definitions of UErrorCode). Nothing here uses libxml2's ICU converter struct (only
// pointers to it), so the ICU part of the headers is left out.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>

// libxml2's generic error channel is variadic, which Swift cannot implement: this one drops the message. Parse
// errors reach the reader through its structured handler (with their line); nothing is printed to stderr.
static void cstar_xml_ignore_generic_error(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

// The generic error handler is per thread in libxml2: call this on the thread that parses.
static inline void cstar_xml_silence_generic_errors(void) {
    xmlSetGenericErrorFunc(NULL, cstar_xml_ignore_generic_error);
}

// An external entity loader that loads nothing (no file, no URL): a belt to the SAX handlers' braces.
static inline xmlParserInputPtr cstar_xml_refuse_external_entity(const char *URL, const char *ID, xmlParserCtxtPtr ctxt) {
    (void)URL; (void)ID; (void)ctxt;
    return NULL;
}

static inline void cstar_xml_refuse_external_entities(void) {
    xmlSetExternalEntityLoader(cstar_xml_refuse_external_entity);
}

#endif
