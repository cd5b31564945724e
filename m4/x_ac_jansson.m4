# X_AC_JANSSON: jansson >= 2.10 for json_dumpb() and JSON_EMBED used by the store.
AC_DEFUN([X_AC_JANSSON], [
  PKG_CHECK_MODULES([JANSSON], [jansson >= 2.10], [],
    [AC_MSG_ERROR([jansson >= 2.10 not found (Debian: apt-get install libjansson-dev)])])
  JANSSON_VERSION=$($PKG_CONFIG --modversion jansson)
  AC_SUBST([JANSSON_VERSION])
])
