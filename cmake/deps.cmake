# System libraries (Debian 12 packages; scripts/install-deps.sh installs
# them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
# libssl: TLS of the services that speak their own protocol (email).
pkg_check_modules(SSL REQUIRED IMPORTED_TARGET libssl)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
# GnuTLS is libmicrohttpd's TLS; the sandbox asks it for client certificates.
pkg_check_modules(GNUTLS REQUIRED IMPORTED_TARGET gnutls)
pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)
find_library(CRYPT_LIB crypt REQUIRED)
find_library(MATH_LIB m REQUIRED)
find_package(Threads REQUIRED)

set(RN_CORE_LIBS PkgConfig::YAML PkgConfig::CRYPTO PkgConfig::PCRE2
    ${MATH_LIB} Threads::Threads)
set(RN_TEMPLATE_LIBS PkgConfig::CRYPTO ${CRYPT_LIB})
set(RN_SERVICES_LIBS PkgConfig::CURL PkgConfig::SSL)
set(RN_CONTROLLER_LIBS PkgConfig::MHD Threads::Threads)
