# SPDX-License-Identifier: MIT
# Finds the Qt 6 build of QCustomPlot and exposes it as QCustomPlot::QCustomPlot.
# Debian's plain QCustomPlot config is the Qt 5 build: never use it from a Qt 6 program.
find_package(QCustomPlotQt6 CONFIG QUIET)   # no version: the package ships no version file
if(TARGET QCustomPlotQt6::QCustomPlotQt6)
  if(NOT TARGET QCustomPlot::QCustomPlot)
    add_library(QCustomPlot::QCustomPlot INTERFACE IMPORTED)
    target_link_libraries(QCustomPlot::QCustomPlot INTERFACE QCustomPlotQt6::QCustomPlotQt6
                          Qt6::Widgets Qt6::PrintSupport)
  endif()
  set(QCustomPlot_LIBRARY QCustomPlotQt6::QCustomPlotQt6)
  get_target_property(QCustomPlot_INCLUDE_DIR QCustomPlotQt6::QCustomPlotQt6 INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT QCustomPlot_INCLUDE_DIR)
    find_path(QCustomPlot_INCLUDE_DIR qcustomplot.h PATH_SUFFIXES qcustomplot)
  endif()
else()
  find_path(QCustomPlot_INCLUDE_DIR qcustomplot.h PATH_SUFFIXES qcustomplot)
  find_library(QCustomPlot_LIBRARY NAMES QCustomPlotQt6 qcustomplot-qt6)
  if(QCustomPlot_LIBRARY AND NOT TARGET QCustomPlot::QCustomPlot)
    add_library(QCustomPlot::QCustomPlot UNKNOWN IMPORTED)
    set_target_properties(QCustomPlot::QCustomPlot PROPERTIES
      IMPORTED_LOCATION "${QCustomPlot_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${QCustomPlot_INCLUDE_DIR}"
      INTERFACE_COMPILE_DEFINITIONS QCUSTOMPLOT_USE_LIBRARY
      INTERFACE_LINK_LIBRARIES "Qt6::Widgets;Qt6::PrintSupport")
  endif()
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(QCustomPlot REQUIRED_VARS QCustomPlot_LIBRARY QCustomPlot_INCLUDE_DIR)
