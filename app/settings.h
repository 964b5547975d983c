// SPDX-License-Identifier: MIT
#pragma once

#include "inputloader.h"

#include "core/color.h"
#include "core/curve.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

#include <array>
#include <memory>
#include <optional>

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
    /// The arrays last opened from `file` (a .npz, .safetensors or .mat), newest first, each with
    /// the reshape it was opened with: what the tensor picker preselects, and the reshape with
    /// which an Open Recent entry FILE::NAME opens again. One key per file: "tensors/" and the
    /// file's canonical path, percent-encoded, holding [name, reshape, name, reshape, …]. A stored
    /// value that is not such a list gives nothing; a reshape that does not parse, the default rule.
    static constexpr int tensorChoicesLimit = 16;
    QList<TensorChoice> tensorChoices(const QString &file) const;
    /// The reshape `name` of `file` was last opened with; the default rule (Auto) if never.
    core::Reshape tensorReshape(const QString &file, const QString &name) const;
    /// Puts `choice` first for `file` (at most tensorChoicesLimit kept), and forgets the choices
    /// of files that no longer exist.
    void rememberTensorChoice(const QString &file, const TensorChoice &choice);

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

    /// View ▸ Compare as the user left it.
    struct ComparePane
    {
        core::Method method = core::Method::Svd;
        int rank = 20;
        int show = 1; ///< ComparePanes::Show as an integer: 0 original, 1 reconstruction, 2 difference
        /// The pane's own parameters for its method; nothing: the Method panel's.
        std::optional<core::MethodSettings> settings;
    };
    struct CompareLayout
    {
        bool open = false;          ///< compare mode on
        int count = 2;              ///< 2..4 panes
        /// Defaults: A SVD r = 20, B ID r = 20, C Monarch ρ = 1, D CR r = 20, reconstructions.
        std::array<ComparePane, 4> panes{{{core::Method::Svd, 20, 1, std::nullopt},
                                          {core::Method::Id, 20, 1, std::nullopt},
                                          {core::Method::Monarch, 1, 1, std::nullopt},
                                          {core::Method::Cr, 20, 1, std::nullopt}}};
        bool split = false;         ///< A/B split on
        double splitPosition = 0.5; ///< 0..1
    };
    /// Out-of-range stored values fall back to the defaults.
    CompareLayout compareLayout() const;
    void setCompareLayout(const CompareLayout &layout);

signals:
    /// Any key changed through this object; `key` is the QSettings key.
    void changed(const QString &key);

private:
    void write(const QString &key, const QVariant &value);
    /// The method's parameters stored under `prefix` ("methods/cr/", "compare/pane2/").
    core::MethodSettings readMethodSettings(const QString &prefix) const;
    void writeMethodSettings(const QString &prefix, core::Method method, const core::MethodSettings &settings);

    std::unique_ptr<QSettings> m_settings;
};

} // namespace factorscope::app
