// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the file-reading tests of every layer (tests/core/tst_matrixio.cpp,
// tests/core/tst_tensorfiles.cpp, tests/app/tst_headless.cpp, tests/app/tst_openinput.cpp):
// error-kind names, bit-exact comparison, raw file bytes, an address-space cap, and the .npz /
// .safetensors fixtures written by numpy (tests/tools/tensorfiles.py).

#include "core/io/matrixio.h"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QTest>

#include <cstring>
#include <optional>

#if defined(__linux__)
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace factorscope::test {

inline const char *kindName(core::LoadErrorKind k)
{
    using K = core::LoadErrorKind;
    switch (k) {
    case K::NotFound: return "NotFound";
    case K::NotAFile: return "NotAFile";
    case K::Unreadable: return "Unreadable";
    case K::Empty: return "Empty";
    case K::Truncated: return "Truncated";
    case K::Malformed: return "Malformed";
    case K::NonNumeric: return "NonNumeric";
    case K::NonFinite: return "NonFinite";
    case K::Ragged: return "Ragged";
    case K::TooLarge: return "TooLarge";
    case K::Unsupported: return "Unsupported";
    case K::NameRequired: return "NameRequired";
    case K::NoSuchName: return "NoSuchName";
    case K::BadReshape: return "BadReshape";
    }
    return "?";
}

/// Same shape and the same bits in every entry (-0.0 ≠ 0.0).
inline bool bitwiseEqual(const core::Matrix &a, const core::Matrix &b)
{
    return a.rows() == b.rows() && a.cols() == b.cols()
           && std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(double)) == 0;
}

inline bool writeBytes(const QString &path, const QByteArray &data)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(data) == data.size();
}

inline QByteArray readBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FS_HAS_ASAN_FEATURE 1
#endif
#endif
#ifndef FS_HAS_ASAN_FEATURE
#define FS_HAS_ASAN_FEATURE 0
#endif

#if defined(__linux__)
/// Caps the address space (current size + headroom) for a scope: any large allocation fails.
/// Inactive under AddressSanitizer, which reserves terabytes of shadow address space and treats a
/// failed allocation as fatal (the budget messages are still checked).
class AddressSpaceCap
{
public:
    explicit AddressSpaceCap(std::uint64_t headroom)
    {
#if defined(__SANITIZE_ADDRESS__) || FS_HAS_ASAN_FEATURE
        (void)headroom;
        return;
#endif
        m_ok = getrlimit(RLIMIT_AS, &m_old) == 0;
        QFile statm(QStringLiteral("/proc/self/statm"));
        std::uint64_t pages = 0;
        if (statm.open(QIODevice::ReadOnly))
            pages = statm.readAll().split(' ').value(0).toULongLong();
        if (!m_ok || pages == 0) {
            m_ok = false;
            return;
        }
        rlimit cap = m_old;
        cap.rlim_cur = rlim_t(pages * std::uint64_t(sysconf(_SC_PAGESIZE)) + headroom);
        if (m_old.rlim_max != RLIM_INFINITY && cap.rlim_cur > m_old.rlim_max)
            cap.rlim_cur = m_old.rlim_max;
        m_ok = setrlimit(RLIMIT_AS, &cap) == 0;
    }
    ~AddressSpaceCap()
    {
        if (m_ok)
            setrlimit(RLIMIT_AS, &m_old);
    }
    AddressSpaceCap(const AddressSpaceCap &) = delete;
    AddressSpaceCap &operator=(const AddressSpaceCap &) = delete;
    bool active() const { return m_ok; }

private:
    rlimit m_old{};
    bool m_ok = false;
};
#endif

// --- the .npz / .safetensors fixtures ------------------------------------------------------------

/// A bad file of tests/tools/tensorfiles.py's bad.json.
struct BadTensorFile
{
    QString file;     ///< in the fixture folder
    QString name;     ///< the array asked for ("" for none)
    QString reshape;  ///< "auto", "rows:K", "channels"
    QString kind;     ///< a kindName()
    QString fragment; ///< in the message
    QString tensor;   ///< the message begins "FILE::tensor: " when set, else "FILE: "
    /// FILE or FILE::NAME, as the headless command and app::openInput take it.
    QString spec(const QString &dir) const { return dir + QLatin1Char('/') + file + (name.isEmpty() ? QString() : QStringLiteral("::") + name); }
    /// The start of the one-sentence message.
    QString messageStart(const QString &dir) const
    {
        return dir + QLatin1Char('/') + file + (tensor.isEmpty() ? QString() : QStringLiteral("::") + tensor) + QStringLiteral(": ");
    }
};

/// Writes the fixtures into @p dir with /usr/bin/python3 and numpy. Returns "" on success, else
/// what went wrong (the caller fails: ./test.sh installs python3-numpy).
inline QString writeTensorFixtures(const QString &dir)
{
    QProcess p;
    p.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral(FS_SOURCE_DIR "/tests/tools/tensorfiles.py"), dir});
    if (!p.waitForFinished(300000))
        return QStringLiteral("tests/tools/tensorfiles.py did not finish");
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QStringLiteral("tests/tools/tensorfiles.py failed (Debian's python3-numpy is needed): ")
               + QString::fromUtf8(p.readAllStandardError());
    return QString();
}

inline QList<BadTensorFile> badTensorFiles(const QString &dir)
{
    QList<BadTensorFile> out;
    const QJsonArray rows = QJsonDocument::fromJson(readBytes(dir + QStringLiteral("/bad.json"))).array();
    for (const auto &value : rows) {
        const QJsonObject o = value.toObject();
        out.append({o[QStringLiteral("file")].toString(), o[QStringLiteral("name")].toString(),
                    o[QStringLiteral("reshape")].toString(), o[QStringLiteral("kind")].toString(),
                    o[QStringLiteral("fragment")].toString(), o[QStringLiteral("tensor")].toString()});
    }
    return out;
}

/// The _data() of a test over bad.json: one row "bad" per bad file.
inline void addBadTensorFileRows(const QString &dir);

/// The float64 values numpy computed for FILE's array NAME (dir/expected/FILE.NAME.npy).
inline std::optional<core::Matrix> expectedArray(const QString &dir, const QString &file, const QString &name)
{
    const core::LoadResult r =
        core::loadMatrixFile((dir + QStringLiteral("/expected/%1.%2.npy").arg(file, name)).toStdString());
    if (!r.ok())
        return std::nullopt;
    return r.matrix->channels.front();
}

} // namespace factorscope::test

Q_DECLARE_METATYPE(factorscope::test::BadTensorFile)

inline void factorscope::test::addBadTensorFileRows(const QString &dir)
{
    QTest::addColumn<BadTensorFile>("bad");
    const QList<BadTensorFile> rows = badTensorFiles(dir);
    QVERIFY2(rows.size() >= 35, "bad.json lists fewer bad files than tests/tools/tensorfiles.py writes");
    for (const BadTensorFile &b : rows)
        QTest::addRow("%s%s%s %s", qPrintable(b.file), b.name.isEmpty() ? "" : "::", qPrintable(b.name), qPrintable(b.reshape))
            << b;
}
