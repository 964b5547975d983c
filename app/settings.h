// SPDX-License-Identifier: MIT
#pragma once

#include "core/color.h"
#include "core/curve.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

class QSettings;

namespace factorscope::app {

/// Owns every QSettings key of the program, with its default and a typed accessor (style.md,
/// Settings). The QSettings is injectable so that tests run against a temporary INI file; by
/// default it is the application's (organisation and application names are set in main()).
class Settings : public QObject
{
    Q_OBJECT

public:
    /// Uses `settings` (taking ownership) or, when null, a default-constructed QSettings.
    explicit Settings(QSettings *settings = nullptr, QObject *parent = nullptr);
    ~Settings() override;

    QSettings *backend() const { return m_settings.get(); }
    void sync();

    // Window.
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray &state);

    // Files.
    static constexpr int recentFilesLimit = 10;
    QStringList recentFiles() const;
    void setRecentFiles(const QStringList &files);
    QString lastDirectory() const;
    void setLastDirectory(const QString &directory);

    // What the user last worked with.
    core::ColorMode colorMode() const;          ///< default RGB
    void setColorMode(core::ColorMode mode);
    core::Method currentMethod() const;         ///< default SVD
    void setCurrentMethod(core::Method method);
    int rank(core::Method method) const;        ///< default 20 (Monarch ρ: 1)
    void setRank(core::Method method, int rank);
    /// The method's parameters (fields it does not use keep core::MethodSettings' defaults).
    core::MethodSettings methodSettings(core::Method method) const;
    void setMethodSettings(core::Method method, const core::MethodSettings &settings);
    bool linkedViews() const;                   ///< zoom and pan linked; default true
    void setLinkedViews(bool linked);

signals:
    /// Any key changed through this object; `key` is the QSettings key.
    void changed(const QString &key);

private:
    void write(const QString &key, const QVariant &value);

    std::unique_ptr<QSettings> m_settings;
};

} // namespace factorscope::app
