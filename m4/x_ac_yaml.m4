# X_AC_YAML: libyaml, the YAML parser behind the config loader.
AC_DEFUN([X_AC_YAML], [
  PKG_CHECK_MODULES([YAML], [yaml-0.1 >= 0.2.2], [],
    [AC_MSG_ERROR([libyaml >= 0.2.2 not found (Debian: apt-get install libyaml-dev)])])
  YAML_VERSION=$($PKG_CONFIG --modversion yaml-0.1)
  AC_SUBST([YAML_VERSION])
])
