// SPDX-License-Identifier: MIT
#include "settings.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QUrl>

#include <cmath>

namespace factorscope::app {

using core::Method;

namespace {

const QString keyGeometry = QStringLiteral("window/geometry");
const QString keyState = QStringLiteral("window/state");
const QString keyRecent = QStringLiteral("files/recent");
const QString keyLastDir = QStringLiteral("files/lastDirectory");
const QString keyColor = QStringLiteral("view/colorMode");
const QString keyLinked = QStringLiteral("view/linkedViews");
const QString keyMethod = QStringLiteral("methods/current");
const QString keyCompareOpen = QStringLiteral("compare/open");
const QString keyCompareCount = QStringLiteral("compare/panes");
const QString keyCompareSplit = QStringLiteral("compare/split");
const QString keyCompareSplitPosition = QStringLiteral("compare/splitPosition");

const QString groupTensors = QStringLiteral("tensors");

/// One key per file: its canonical path (absolute when it does not exist), percent-encoded so that
/// its slashes do not make QSettings groups.
QString tensorKey(const QString &file)
{
    const QFileInfo info(file);
    const QString canonical = info.canonicalFilePath();
    const QString path = canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
    return groupTensors + QLatin1Char('/') + QString::fromLatin1(QUrl::toPercentEncoding(path));
}

QString methodPrefix(Method method)
{
    return QStringLiteral("methods/%1/").arg(QString::fromStdString(core::methodName(method)));
}

QString methodKey(Method method, const char *field) { return methodPrefix(method) + QLatin1String(field); }

} // namespace

Settings::Settings(QSettings *settings, QObject *parent)
    : QObject(parent), m_settings(settings ? settings : new QSettings)
{
}

Settings::~Settings() = default;

void Settings::sync() { m_settings->sync(); }

void Settings::write(const QString &key, const QVariant &value)
{
    if (m_settings->value(key) == value && m_settings->contains(key))
        return;
    m_settings->setValue(key, value);
    emit changed(key);
}

QByteArray Settings::windowGeometry() const { return m_settings->value(keyGeometry).toByteArray(); }
void Settings::setWindowGeometry(const QByteArray &geometry) { write(keyGeometry, geometry); }
QByteArray Settings::windowState() const { return m_settings->value(keyState).toByteArray(); }
void Settings::setWindowState(const QByteArray &state) { write(keyState, state); }

QStringList Settings::recentFiles() const { return m_settings->value(keyRecent).toStringList().mid(0, recentFilesLimit); }
void Settings::setRecentFiles(const QStringList &files) { write(keyRecent, files.mid(0, recentFilesLimit)); }
QString Settings::lastDirectory() const { return m_settings->value(keyLastDir).toString(); }
void Settings::setLastDirectory(const QString &directory) { write(keyLastDir, directory); }

QList<TensorChoice> Settings::tensorChoices(const QString &file) const
{
    const QVariant value = m_settings->value(tensorKey(file));
    QList<TensorChoice> choices;
    if (value.typeId() != QMetaType::QStringList && value.typeId() != QMetaType::QString)
        return choices;
    const QStringList stored = value.toStringList();
    QStringList seen;
    for (qsizetype i = 0; i < stored.size() && choices.size() < tensorChoicesLimit; i += 2) {
        const QString &name = stored[i];
        if (name.isEmpty() || seen.contains(name))
            continue;
        seen << name;
        const auto reshape = core::Reshape::parse(stored.value(i + 1).toStdString());
        choices.append(TensorChoice{name, reshape.value_or(core::Reshape{})});
    }
    return choices;
}

core::Reshape Settings::tensorReshape(const QString &file, const QString &name) const
{
    for (const TensorChoice &choice : tensorChoices(file))
        if (choice.name == name)
            return choice.reshape;
    return {};
}

void Settings::rememberTensorChoice(const QString &file, const TensorChoice &choice)
{
    if (choice.name.isEmpty())
        return;
    QStringList stored{choice.name, QString::fromStdString(choice.reshape.text())};
    for (const TensorChoice &old : tensorChoices(file))
        if (old.name != choice.name && stored.size() < 2 * tensorChoicesLimit)
            stored << old.name << QString::fromStdString(old.reshape.text());
    // The choices of files that are gone would otherwise pile up.
    m_settings->beginGroup(groupTensors);
    const QStringList keys = m_settings->childKeys();
    m_settings->endGroup();
    for (const QString &key : keys)
        if (!QFileInfo::exists(QUrl::fromPercentEncoding(key.toLatin1())))
            m_settings->remove(groupTensors + QLatin1Char('/') + key);
    write(tensorKey(file), stored);
}

core::ColorMode Settings::colorMode() const
{
    const QString name = m_settings->value(keyColor, QStringLiteral("rgb")).toString();
    return core::parseColorMode(name.toStdString()).value_or(core::ColorMode::Rgb);
}

void Settings::setColorMode(core::ColorMode mode) { write(keyColor, QString::fromStdString(core::colorModeName(mode))); }

Method Settings::currentMethod() const
{
    const QString name = m_settings->value(keyMethod, QStringLiteral("svd")).toString();
    return core::parseMethod(name.toStdString()).value_or(Method::Svd);
}

void Settings::setCurrentMethod(Method method) { write(keyMethod, QString::fromStdString(core::methodName(method))); }

int Settings::rank(Method method) const
{
    const int fallback = method == Method::Monarch ? 1 : 20;
    const int r = m_settings->value(methodKey(method, "rank"), fallback).toInt();
    return r >= 1 ? r : fallback;
}

void Settings::setRank(Method method, int rank) { write(methodKey(method, "rank"), rank); }

core::MethodSettings Settings::methodSettings(Method method) const { return readMethodSettings(methodPrefix(method)); }

void Settings::setMethodSettings(Method method, const core::MethodSettings &s) { writeMethodSettings(methodPrefix(method), method, s); }

core::MethodSettings Settings::readMethodSettings(const QString &prefix) const
{
    core::MethodSettings s;
    auto get = [&](const char *field, auto fallback) {
        return m_settings->value(prefix + QLatin1String(field), QVariant::fromValue(fallback));
    };
    s.rsvdOversampling = std::clamp<core::Index>(get("oversampling", qlonglong(s.rsvdOversampling)).toLongLong(), 0, 200);
    s.rsvdPowerIterations = std::clamp(get("powerIterations", s.rsvdPowerIterations).toInt(), 0, 10);
    // By name ("deim", as --id-selector takes it); files written before the other selectors came
    // hold 0 (pivoted QR) or 1 (sketch).
    const QString idSelector = get("idSelector", QString()).toString();
    if (const auto selector = core::parseSelector(idSelector.toStdString()))
        s.idSelector = *selector;
    else if (idSelector == QLatin1String("1"))
        s.idSelector = core::IdSelector::SketchPivotedQr;
    s.idOversampling = std::clamp<core::Index>(get("idOversampling", qlonglong(s.idOversampling)).toLongLong(), 0, 200);
    s.rowId = get("rowId", s.rowId).toBool();
    const int rule = get("crRule", int(s.crRule)).toInt();
    if (rule >= int(core::CrRule::Top) && rule <= int(core::CrRule::Uniform))
        s.crRule = core::CrRule(rule);
    const int product = get("crProduct", int(s.crProduct)).toInt();
    if (product >= int(core::CrProduct::MatrixIdentity) && product <= int(core::CrProduct::SvdFactors))
        s.crProduct = core::CrProduct(product);
    s.monarchBlocks = std::clamp<core::Index>(get("blocks", qlonglong(s.monarchBlocks)).toLongLong(), 1, 4096);
    if (const auto selector = core::parseSelector(get("curSelector", QString()).toString().toStdString()))
        s.curSelector = *selector;
    if (const auto middle = core::parseCurMiddle(get("curMiddle", QString()).toString().toStdString()))
        s.curMiddle = *middle;
    s.curRows = std::max<core::Index>(0, get("curRows", qlonglong(s.curRows)).toLongLong());
    const double tolerance = get("curTolerance", s.curTolerance).toDouble();
    s.curTolerance = tolerance > 0.0 && std::isfinite(tolerance) ? tolerance : -1.0;
    s.leverageRank = std::max<core::Index>(0, get("leverageRank", qlonglong(s.leverageRank)).toLongLong());
    s.trials = std::clamp(get("trials", s.trials).toInt(), 1, 50);
    s.seed = get("seed", qulonglong(s.seed)).toULongLong();
    return s;
}

void Settings::writeMethodSettings(const QString &prefix, Method method, const core::MethodSettings &s)
{
    // Only the fields the method uses, so that every method keeps its own trials and seed.
    const auto key = [&](const char *field) { return prefix + QLatin1String(field); };
    switch (method) {
    case Method::Svd: break;
    case Method::Rsvd:
        write(key("oversampling"), qlonglong(s.rsvdOversampling));
        write(key("powerIterations"), s.rsvdPowerIterations);
        break;
    case Method::Id:
        write(key("idSelector"), QString::fromStdString(core::selectorName(s.idSelector)));
        write(key("idOversampling"), qlonglong(s.idOversampling));
        write(key("rowId"), s.rowId);
        write(key("leverageRank"), qlonglong(s.leverageRank));
        break;
    case Method::Cr:
        write(key("crRule"), int(s.crRule));
        if (s.crProduct != core::CrProduct::Given)
            write(key("crProduct"), int(s.crProduct));
        break;
    case Method::Monarch: write(key("blocks"), qlonglong(s.monarchBlocks)); break;
    case Method::Cur:
        // By name, as the headless --cur-select and --cur-middle take them.
        write(key("curSelector"), QString::fromStdString(core::selectorName(s.curSelector)));
        write(key("curMiddle"), QString::fromStdString(core::curMiddleName(s.curMiddle)));
        write(key("curRows"), qlonglong(s.curRows));
        write(key("curTolerance"), s.curTolerance);
        write(key("leverageRank"), qlonglong(s.leverageRank));
        break;
    }
    if (method == Method::Rsvd || method == Method::Id || method == Method::Cr || method == Method::Cur) {
        write(key("trials"), s.trials);
        write(key("seed"), qulonglong(s.seed));
    }
}

bool Settings::linkedViews() const { return m_settings->value(keyLinked, true).toBool(); }
void Settings::setLinkedViews(bool linked) { write(keyLinked, linked); }

Settings::CompareLayout Settings::compareLayout() const
{
    CompareLayout layout;
    layout.open = m_settings->value(keyCompareOpen, layout.open).toBool();
    const int count = m_settings->value(keyCompareCount, layout.count).toInt();
    if (count >= 2 && count <= int(layout.panes.size()))
        layout.count = count;
    for (std::size_t i = 0; i < layout.panes.size(); ++i) {
        ComparePane &pane = layout.panes[i];
        const QString prefix = QStringLiteral("compare/pane%1/").arg(i);
        if (const auto method = core::parseMethod(m_settings->value(prefix + QStringLiteral("method")).toString().toStdString()))
            pane.method = *method;
        const int rank = m_settings->value(prefix + QStringLiteral("rank"), pane.rank).toInt();
        if (rank >= 0)
            pane.rank = rank;
        const int show = m_settings->value(prefix + QStringLiteral("show"), pane.show).toInt();
        if (show >= 0 && show <= 2)
            pane.show = show;
        if (m_settings->value(prefix + QStringLiteral("own"), false).toBool() && pane.method != Method::Svd)
            pane.settings = readMethodSettings(prefix);
    }
    layout.split = m_settings->value(keyCompareSplit, layout.split).toBool();
    const double position = m_settings->value(keyCompareSplitPosition, layout.splitPosition).toDouble();
    if (position >= 0.0 && position <= 1.0)
        layout.splitPosition = position;
    return layout;
}

void Settings::setCompareLayout(const CompareLayout &layout)
{
    write(keyCompareOpen, layout.open);
    write(keyCompareCount, layout.count);
    for (std::size_t i = 0; i < layout.panes.size(); ++i) {
        const QString prefix = QStringLiteral("compare/pane%1/").arg(i);
        write(prefix + QStringLiteral("method"), QString::fromStdString(core::methodName(layout.panes[i].method)));
        write(prefix + QStringLiteral("rank"), layout.panes[i].rank);
        write(prefix + QStringLiteral("show"), layout.panes[i].show);
        write(prefix + QStringLiteral("own"), layout.panes[i].settings.has_value());
        if (layout.panes[i].settings)
            writeMethodSettings(prefix, layout.panes[i].method, *layout.panes[i].settings);
    }
    write(keyCompareSplit, layout.split);
    write(keyCompareSplitPosition, layout.splitPosition);
}

} // namespace factorscope::app
