// SPDX-License-Identifier: MIT
// Matrix file formats: round trips, every .npy dtype and layout, CSV dialects, Matrix Market
// variants, MATLAB v4/v5/v7.3, and a bad-file table per parser.

#include "testutil.h"
#include "iotestutil.h"

#include "core/io/matrixio.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <matio.h>

#include <cmath>
#include <cstring>
#include <limits>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

using namespace factorscope;
#if defined(__linux__)
using test::AddressSpaceCap;
#endif
using test::bitwiseEqual;
using test::kindName;
using test::readBytes;
using test::writeBytes;
using core::LoadErrorKind;
using core::LoadResult;
using core::Matrix;
using Channels = std::vector<Matrix>;

Q_DECLARE_METATYPE(factorscope::core::Matrix)
Q_DECLARE_METATYPE(Channels)

namespace {

std::string str(const QString &s)
{
    return s.toStdString();
}

template <std::size_t N>
QByteArray bytes(const char (&s)[N])
{
    return QByteArray(s, int(N - 1)); // keeps embedded NULs
}

Matrix mat(Eigen::Index rows, Eigen::Index cols, std::initializer_list<double> rowMajor)
{
    Matrix m(rows, cols);
    auto it = rowMajor.begin();
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j)
            m(i, j) = *it++;
    return m;
}

// --- .npy built byte by byte ----------------------------------------------------------------------

/// magic + version + length + header (padded with spaces and '\n' to a multiple of 64 unless told).
QByteArray npyFile(const QByteArray &dict, const QByteArray &data, int major = 1, bool align = true)
{
    QByteArray out = bytes("\x93NUMPY");
    out += char(major);
    out += char(0);
    const int lengthBytes = major == 1 ? 2 : 4;
    QByteArray header = dict;
    if (align) {
        const int unpadded = 8 + lengthBytes + header.size() + 1;
        header += QByteArray((64 - unpadded % 64) % 64, ' ');
    }
    header += '\n';
    for (int k = 0; k < lengthBytes; ++k)
        out += char((header.size() >> (8 * k)) & 0xff);
    return out + header + data;
}

QByteArray npyDict(const QByteArray &descr, bool fortran, const QByteArray &shape)
{
    return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape
           + ", }";
}

/// Encodes v as dtype (kind b/i/u/f, size bytes) in the given byte order.
QByteArray encode(double v, char kind, int size, bool big)
{
    unsigned char b[8] = {};
    if (kind == 'b') {
        b[0] = v != 0;
    } else if (kind == 'f' && size == 4) {
        const float f = float(v);
        std::memcpy(b, &f, 4);
    } else if (kind == 'f') {
        std::memcpy(b, &v, 8);
    } else if (kind == 'i') {
        const std::int64_t x = std::int64_t(v); // two's complement, little-endian host
        std::memcpy(b, &x, 8);
    } else {
        const std::uint64_t x = v >= 18446744073709551615.0 ? std::numeric_limits<std::uint64_t>::max()
                                                              : std::uint64_t(v);
        std::memcpy(b, &x, 8);
    }
    QByteArray out(reinterpret_cast<const char *>(b), size);
    if (big)
        std::reverse(out.begin(), out.end());
    return out;
}

QByteArray encodeAll(const QVector<double> &values, char kind, int size, bool big)
{
    QByteArray out;
    for (double v : values)
        out += encode(v, kind, size, big);
    return out;
}

/// The values of H×W×C channels in the order a .npy file stores them.
QVector<double> fileOrder(const Channels &ch, bool fortran)
{
    QVector<double> out;
    const Eigen::Index h = ch[0].rows(), w = ch[0].cols();
    const std::size_t nc = ch.size();
    if (fortran) { // index = i + H*(j + W*c)
        for (std::size_t c = 0; c < nc; ++c)
            for (Eigen::Index j = 0; j < w; ++j)
                for (Eigen::Index i = 0; i < h; ++i)
                    out << ch[c](i, j);
    } else { // index = (i*W + j)*C + c
        for (Eigen::Index i = 0; i < h; ++i)
            for (Eigen::Index j = 0; j < w; ++j)
                for (std::size_t c = 0; c < nc; ++c)
                    out << ch[c](i, j);
    }
    return out;
}

// --- .mat through matio's writer -----------------------------------------------------------------

struct MatVar
{
    enum Kind { Numeric, Complex, Cell, Struct, Char, Sparse };
    std::string name;
    Kind kind = Numeric;
    matio_classes cls = MAT_C_DOUBLE;
    std::vector<std::size_t> dims;
    std::vector<double> values; ///< column-major (MATLAB order)
    bool logical = false;
};

MatVar numericVar(const std::string &name, matio_classes cls, std::vector<std::size_t> dims,
                  std::vector<double> columnMajor, bool logical = false)
{
    MatVar v;
    v.name = name;
    v.cls = cls;
    v.dims = std::move(dims);
    v.values = std::move(columnMajor);
    v.logical = logical;
    return v;
}

MatVar otherVar(const std::string &name, MatVar::Kind kind)
{
    MatVar v;
    v.name = name;
    v.kind = kind;
    v.dims = {2, 2};
    v.values = {1, 2, 3, 4};
    return v;
}

matio_types typeOf(matio_classes c)
{
    switch (c) {
    case MAT_C_SINGLE: return MAT_T_SINGLE;
    case MAT_C_INT8: return MAT_T_INT8;
    case MAT_C_UINT8: return MAT_T_UINT8;
    case MAT_C_INT16: return MAT_T_INT16;
    case MAT_C_UINT16: return MAT_T_UINT16;
    case MAT_C_INT32: return MAT_T_INT32;
    case MAT_C_UINT32: return MAT_T_UINT32;
    case MAT_C_INT64: return MAT_T_INT64;
    case MAT_C_UINT64: return MAT_T_UINT64;
    default: return MAT_T_DOUBLE;
    }
}

template <typename T>
std::vector<char> packAs(const std::vector<double> &values)
{
    std::vector<char> out(values.size() * sizeof(T));
    for (std::size_t k = 0; k < values.size(); ++k) {
        const T v = static_cast<T>(values[k]);
        std::memcpy(out.data() + k * sizeof(T), &v, sizeof(T));
    }
    return out;
}

std::vector<char> pack(matio_classes c, const std::vector<double> &values)
{
    switch (c) {
    case MAT_C_SINGLE: return packAs<float>(values);
    case MAT_C_INT8: return packAs<std::int8_t>(values);
    case MAT_C_UINT8: return packAs<std::uint8_t>(values);
    case MAT_C_INT16: return packAs<std::int16_t>(values);
    case MAT_C_UINT16: return packAs<std::uint16_t>(values);
    case MAT_C_INT32: return packAs<std::int32_t>(values);
    case MAT_C_UINT32: return packAs<std::uint32_t>(values);
    case MAT_C_INT64: return packAs<std::int64_t>(values);
    case MAT_C_UINT64: return packAs<std::uint64_t>(values);
    default: return packAs<double>(values);
    }
}

/// Writes vars with matio; false if this matio cannot write that version (v7.3 needs HDF5).
bool writeMat(const QString &path, mat_ft version, const std::vector<MatVar> &vars, bool compress = false)
{
    QFile::remove(path);
    mat_t *mat = Mat_CreateVer(path.toLocal8Bit().constData(), nullptr, version);
    if (!mat)
        return false;
    bool ok = true;
    const matio_compression compression = compress ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE;
    for (const MatVar &v : vars) {
        std::vector<std::size_t> dims = v.dims;
        matvar_t *var = nullptr;
        std::vector<char> data = pack(v.cls, v.values);
        std::vector<double> im(v.values.size(), 0.5);
        mat_complex_split_t split{data.data(), im.data()};
        std::string text = "hello";
        std::size_t textDims[2] = {1, text.size()};
        switch (v.kind) {
        case MatVar::Numeric:
            var = Mat_VarCreate(v.name.c_str(), v.cls, typeOf(v.cls), int(dims.size()), dims.data(), data.data(),
                                MAT_F_DONT_COPY_DATA | (v.logical ? MAT_F_LOGICAL : 0));
            break;
        case MatVar::Complex:
            var = Mat_VarCreate(v.name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, int(dims.size()), dims.data(), &split,
                                MAT_F_COMPLEX);
            break;
        case MatVar::Char:
            var = Mat_VarCreate(v.name.c_str(), MAT_C_CHAR, MAT_T_UINT8, 2, textDims, text.data(), 0);
            break;
        case MatVar::Cell: {
            std::size_t one[2] = {1, 1};
            std::vector<char> inner = pack(MAT_C_DOUBLE, v.values);
            matvar_t *element = Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims.data(), inner.data(), 0);
            var = Mat_VarCreate(v.name.c_str(), MAT_C_CELL, MAT_T_CELL, 2, one, nullptr, 0);
            Mat_VarSetCell(var, 0, element);
            break;
        }
        case MatVar::Struct: {
            std::size_t one[2] = {1, 1};
            const char *fields[1] = {"f"};
            var = Mat_VarCreateStruct(v.name.c_str(), 2, one, fields, 1);
            std::vector<char> inner = pack(MAT_C_DOUBLE, v.values);
            matvar_t *field = Mat_VarCreate("f", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims.data(), inner.data(), 0);
            Mat_VarSetStructFieldByName(var, "f", 0, field);
            break;
        }
        case MatVar::Sparse: {
            // 2×2 with one non-zero (1,1) = 7.
            static mat_uint32_t ir[1] = {0};
            static mat_uint32_t jc[3] = {0, 1, 1};
            static double values[1] = {7};
            mat_sparse_t sparse{};
            sparse.nzmax = 1;
            sparse.ir = ir;
            sparse.nir = 1;
            sparse.jc = jc;
            sparse.njc = 3;
            sparse.ndata = 1;
            sparse.data = values;
            var = Mat_VarCreate(v.name.c_str(), MAT_C_SPARSE, MAT_T_DOUBLE, 2, dims.data(), &sparse,
                                MAT_F_DONT_COPY_DATA);
            break;
        }
        }
        if (!var || Mat_VarWrite(mat, var, compression) != 0)
            ok = false;
        if (var)
            Mat_VarFree(var);
    }
    Mat_Close(mat);
    return ok;
}

/// Channels of an H×W×C MATLAB array given column-major values (row, column, page).
Channels channelsFromColumnMajor(std::size_t h, std::size_t w, std::size_t c, const std::vector<double> &v)
{
    Channels out(c, Matrix(Eigen::Index(h), Eigen::Index(w)));
    std::size_t k = 0;
    for (std::size_t p = 0; p < c; ++p)
        for (std::size_t j = 0; j < w; ++j)
            for (std::size_t i = 0; i < h; ++i)
                out[p](Eigen::Index(i), Eigen::Index(j)) = v[k++];
    return out;
}

/// Matio writes to a file; the bad-file tables want bytes.
QByteArray matBytes(mat_ft version, const std::vector<MatVar> &vars, bool compress = false)
{
    QTemporaryDir dir;
    const QString p = dir.filePath(QStringLiteral("x.mat"));
    if (!writeMat(p, version, vars, compress))
        return QByteArray();
    return readBytes(p);
}

/// A finding of the fuzzing campaign, kept in tests/fuzz/regressions/<target>/ (where the fuzz
/// targets replay them too).
QByteArray regressionFile(const char *target, const char *name)
{
    const QByteArray data = readBytes(QStringLiteral(FS_SOURCE_DIR "/tests/fuzz/regressions/%1/%2")
                                          .arg(QLatin1String(target), QLatin1String(name)));
    if (data.isEmpty())
        qWarning("regression file %s/%s is missing", target, name);
    return data;
}

// --- v5 .mat built element by element (MAT-File Format, chapter 1) -------------------------------
// For files matio's writer cannot make: damaged, hostile or exotic structures.

QByteArray le32(quint32 v)
{
    QByteArray b(4, '\0');
    for (int k = 0; k < 4; ++k)
        b[k] = char((v >> (8 * k)) & 0xff);
    return b;
}

/// The 128-byte header of a little-endian v5 file.
QByteArray v5Header()
{
    QByteArray h("MATLAB 5.0 MAT-file, written by tst_matrixio");
    h = h.leftJustified(116, ' ');
    h += QByteArray(8, '\0');
    h += QByteArray("\x00\x01IM", 4);
    return h;
}

/// A data element: tag (type, byte count) and data padded to 8 bytes.
QByteArray element(quint32 type, const QByteArray &data, bool pad = true)
{
    QByteArray e = le32(type) + le32(quint32(data.size())) + data;
    if (pad)
        e += QByteArray((8 - e.size() % 8) % 8, '\0');
    return e;
}

/// An miMATRIX element: array flags (class | flags), dimensions, name, then the class's content.
QByteArray arrayElement(quint32 cls, const std::vector<qint64> &dims, const QByteArray &name,
                        const QByteArray &content, quint32 flags = 0)
{
    QByteArray d;
    for (qint64 v : dims)
        d += le32(quint32(v));
    return element(14, element(6, le32(cls | flags) + le32(0)) + element(5, d) + element(1, name) + content);
}

/// A double array with the given values (column-major).
QByteArray doubleArray(const QByteArray &name, const std::vector<qint64> &dims, const std::vector<double> &values)
{
    QByteArray data;
    for (double v : values)
        data += QByteArray(reinterpret_cast<const char *>(&v), 8);
    return arrayElement(6, dims, name, element(9, data));
}

/// An miCOMPRESSED element holding @p inner (zlib stream, as MATLAB writes it).
QByteArray compressedElement(const QByteArray &inner)
{
    return element(15, qCompress(inner).mid(4), false);
}

} // namespace

Q_DECLARE_METATYPE(std::vector<MatVar>)

class TestMatrixIo : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void isMatrixFileName_data();
    void isMatrixFileName();
    void defaultLimits();
    void describeLoadErrorFormat();

    void npyRoundTrip_data();
    void npyRoundTrip();
    void npyHeaderLayout_data();
    void npyHeaderLayout();
    void csvRoundTrip_data();
    void csvRoundTrip();

    void npyDtypes_data();
    void npyDtypes();
    void npyDtypeCodesAgreeWithNumpy_data();
    void npyDtypeCodesAgreeWithNumpy();
    void npyLayouts_data();
    void npyLayouts();
    void csvDialects_data();
    void csvDialects();
    void mtxVariants_data();
    void mtxVariants();
    void matFiles_data();
    void matFiles();
    void matNamedVariables();

    void badGeneric_data();
    void badGeneric() { checkBadRow(); }
    void badNpy_data();
    void badNpy() { checkBadRow(); }
    void badCsv_data();
    void badCsv() { checkBadRow(); }
    void badMtx_data();
    void badMtx() { checkBadRow(); }
    void badMat_data();
    void badMat() { checkBadRow(); }
    void unreadableFile();
    void notARegularFile_data();
    void notARegularFile();

    void budgetIsEnforced_data();
    void budgetIsEnforced();
    void absurdSizesRefusedQuickly_data();
    void absurdSizesRefusedQuickly();
    void oneLineTextNeedsNoCellList_data();
    void oneLineTextNeedsNoCellList();

    void atomicWriteFailingCallbackLeavesNothing();
    void atomicWriteThrowingCallbackLeavesNothing();
    void atomicWriteMissingDirectory();
    void atomicWriteReplacesAndKeepsMode();
    void atomicWriteOntoDirectoryFails();
    void writersRefuseBadInput();

    void crossCheckWithNumpyAndScipy();
    void fuzzFindingsThatLoad();

private:
    QString freshDir();
    void addBadColumns();
    void checkBadRow();

    QTemporaryDir m_dir;
    int m_counter = 0;
    bool m_haveMat73 = false;
};

void TestMatrixIo::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString probe = m_dir.filePath(QStringLiteral("probe73.mat"));
    m_haveMat73 = writeMat(probe, MAT_FT_MAT73, {numericVar("A", MAT_C_DOUBLE, {1, 1}, {1})});
}

QString TestMatrixIo::freshDir()
{
    const QString d = m_dir.filePath(QString::number(++m_counter));
    QDir().mkpath(d);
    return d;
}

// --- names, limits, messages ----------------------------------------------------------------------

void TestMatrixIo::isMatrixFileName_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("expected");
    QTest::newRow("npy") << "a.npy" << true;
    QTest::newRow("NPY upper case") << "/x/A.NPY" << true;
    QTest::newRow("csv mixed case") << "data.Csv" << true;
    QTest::newRow("tsv") << "t.tsv" << true;
    QTest::newRow("txt") << "t.txt" << true;
    QTest::newRow("mtx") << "dir/m.mtx" << true;
    QTest::newRow("mat") << "m.mat" << true;
    QTest::newRow("npz") << "w.npz" << true;
    QTest::newRow("safetensors") << "model.SafeTensors" << true;
    QTest::newRow("png") << "a.png" << false;
    QTest::newRow("compressed npy") << "a.npy.gz" << false;
    QTest::newRow("no extension") << "matrix" << false;
    QTest::newRow("extension only on directory") << "dir.npy/file" << false;
    QTest::newRow("empty") << "" << false;
}

void TestMatrixIo::isMatrixFileName()
{
    QFETCH(QString, path);
    QFETCH(bool, expected);
    QCOMPARE(core::isMatrixFileName(str(path)), expected);
}

void TestMatrixIo::defaultLimits()
{
    const auto limits = core::LoadLimits::defaults();
    QVERIFY(limits.maxElements <= (std::uint64_t(1) << 28));
    QVERIFY(limits.maxElements >= (std::uint64_t(1) << 20));
}

void TestMatrixIo::describeLoadErrorFormat()
{
    core::LoadError e;
    e.kind = LoadErrorKind::Ragged;
    e.reason = "line 3 has 2 values where line 1 has 3";
    QCOMPARE(core::describeLoadError("dir/m.csv", e), std::string("dir/m.csv: line 3 has 2 values where line 1 has 3."));
    e.reason.clear();
    QCOMPARE(core::describeLoadError("m.csv", e), std::string("m.csv: has rows of different lengths."));
    e.reason = "ends with a question?";
    QCOMPARE(core::describeLoadError("m.csv", e), std::string("m.csv: ends with a question?"));
}

// --- round trips ----------------------------------------------------------------------------------

namespace {
Matrix specialValues()
{
    Matrix m(2, 4);
    m << 0.1, -0.0, std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min(),
        std::numeric_limits<double>::min(), std::numeric_limits<double>::epsilon(), -M_PI, 1e-300;
    return m;
}
} // namespace

void TestMatrixIo::npyRoundTrip_data()
{
    QTest::addColumn<Channels>("channels");
    QTest::newRow("1x1") << Channels{mat(1, 1, {42.5})};
    QTest::newRow("3x4 gaussian") << Channels{test::gaussian(3, 4, 1)};
    QTest::newRow("4x3 gaussian") << Channels{test::gaussian(4, 3, 2)};
    QTest::newRow("1x50 row") << Channels{test::gaussian(1, 50, 3)};
    QTest::newRow("50x1 column") << Channels{test::gaussian(50, 1, 4)};
    QTest::newRow("special values") << Channels{specialValues()};
    QTest::newRow("300x200 (several read chunks)") << Channels{test::gaussian(300, 200, 5)};
    QTest::newRow("2 channels 3x5") << Channels{test::gaussian(3, 5, 6), test::gaussian(3, 5, 7)};
    QTest::newRow("3 channels 5x6") << Channels{test::gaussian(5, 6, 8), test::gaussian(5, 6, 9),
                                                test::gaussian(5, 6, 10)};
    QTest::newRow("4 channels 2x3") << Channels{test::gaussian(2, 3, 11), test::gaussian(2, 3, 12),
                                                test::gaussian(2, 3, 13), test::gaussian(2, 3, 14)};
}

void TestMatrixIo::npyRoundTrip()
{
    QFETCH(Channels, channels);
    const QString path = freshDir() + QStringLiteral("/m.npy");
    std::string error;
    QVERIFY2(core::writeNpy(str(path), channels, &error), error.c_str());
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), channels.size());
    for (std::size_t c = 0; c < channels.size(); ++c)
        QVERIFY2(bitwiseEqual(r.matrix->channels[c], channels[c]), qPrintable(QStringLiteral("channel %1").arg(c)));
    QVERIFY(r.matrix->format.find("float64") != std::string::npos);
    QVERIFY(r.matrix->format.find("C order") != std::string::npos);
    // Nothing but the file itself is left in the directory.
    QCOMPARE(QDir(QFileInfo(path).path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size(), 1);
}

void TestMatrixIo::npyHeaderLayout_data()
{
    QTest::addColumn<Channels>("channels");
    QTest::addColumn<QByteArray>("shape");
    QTest::newRow("2-D") << Channels{Matrix::Ones(3, 4)} << QByteArray("'shape': (3, 4)");
    QTest::newRow("3-D") << Channels{Matrix::Ones(3, 4), Matrix::Zero(3, 4)} << QByteArray("'shape': (3, 4, 2)");
    QTest::newRow("large dims") << Channels{Matrix::Zero(1234, 1)} << QByteArray("'shape': (1234, 1)");
}

void TestMatrixIo::npyHeaderLayout()
{
    QFETCH(Channels, channels);
    QFETCH(QByteArray, shape);
    const QString path = freshDir() + QStringLiteral("/m.npy");
    std::string error;
    QVERIFY(core::writeNpy(str(path), channels, &error));
    const QByteArray b = readBytes(path);
    QCOMPARE(b.left(8), bytes("\x93NUMPY\x01\x00"));
    const int headerLength = int(quint8(b[8])) | int(quint8(b[9])) << 8;
    const int dataStart = 10 + headerLength;
    QCOMPARE(dataStart % 64, 0);
    QCOMPARE(b[dataStart - 1], '\n');
    const QByteArray header = b.mid(10, headerLength);
    QVERIFY(header.contains("'descr': '<f8'"));
    QVERIFY(header.contains("'fortran_order': False"));
    QVERIFY2(header.contains(shape), header.constData());
    QCOMPARE(qint64(b.size() - dataStart), qint64(channels.size() * channels[0].size() * 8));
    // C order, channel fastest: the second value is channel 1 of (0,0) for 3-D, (0,1) for 2-D.
    double second;
    std::memcpy(&second, b.constData() + dataStart + 8, 8);
    QCOMPARE(second, channels.size() > 1 ? channels[1](0, 0) : channels[0](0, 1 % channels[0].cols()));
}

void TestMatrixIo::csvRoundTrip_data()
{
    QTest::addColumn<Matrix>("m");
    QTest::newRow("1x1") << mat(1, 1, {-3.25});
    QTest::newRow("3x4 gaussian") << test::gaussian(3, 4, 21);
    QTest::newRow("1x40 row") << test::gaussian(1, 40, 22);
    QTest::newRow("40x1 column") << test::gaussian(40, 1, 23);
    QTest::newRow("special values") << specialValues();
    QTest::newRow("integers") << mat(2, 2, {1, -2, 1e15, 0});
    QTest::newRow("250x120") << test::gaussian(250, 120, 24);
}

void TestMatrixIo::csvRoundTrip()
{
    QFETCH(Matrix, m);
    const QString path = freshDir() + QStringLiteral("/m.csv");
    std::string error;
    QVERIFY2(core::writeCsv(str(path), m, &error), error.c_str());
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), std::size_t(1));
    // 17 significant digits identify every double: the round trip is exact.
    QVERIFY(bitwiseEqual(r.matrix->channels[0], m));
    QVERIFY(r.matrix->notes.empty()); // no header row guessed
    const QByteArray text = readBytes(path);
    QCOMPARE(text.count('\n'), int(m.rows()));
    QVERIFY(!text.contains('\r'));
}

// --- .npy dtypes and layouts, built byte by byte -------------------------------------------------

void TestMatrixIo::npyDtypes_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<Matrix>("expected");
    QTest::addColumn<QString>("formatFragment");

    struct Type
    {
        char kind;
        int size;
        const char *name;
        QVector<double> values; // 2×3, row-major
    };
    const QVector<Type> types = {
        {'b', 1, "bool", {1, 0, 1, 1, 0, 0}},
        {'i', 1, "int8", {-128, 127, 0, -1, 5, -7}},
        {'i', 2, "int16", {-32768, 32767, 0, -1, 300, -7}},
        {'i', 4, "int32", {-2147483648.0, 2147483647.0, 0, -1, 70000, -7}},
        {'i', 8, "int64", {-9007199254740992.0, 9007199254740992.0, 0, -1, 1e12, -7}},
        {'u', 1, "uint8", {0, 255, 1, 2, 128, 7}},
        {'u', 2, "uint16", {0, 65535, 1, 2, 40000, 7}},
        {'u', 4, "uint32", {0, 4294967295.0, 1, 2, 3e9, 7}},
        {'u', 8, "uint64", {0, 9007199254740992.0, 1, 2, 1e15, 7}},
        {'f', 4, "float32", {0.5, -1.25, 3, 0.125, 16777216, -0.0}},
        {'f', 8, "float64", {0.1, -1e300, M_PI, 5e-324, 1, -0.0}},
    };
    for (const Type &t : types) {
        for (bool big : {false, true}) {
            if (t.size == 1 && big)
                continue;
            for (bool fortran : {false, true}) {
                const QByteArray order = t.size == 1 ? "|" : big ? ">" : "<";
                const QByteArray descr = order + (t.kind == 'b' ? QByteArray("b1") : t.kind + QByteArray::number(t.size));
                const Matrix expected = mat(2, 3, {t.values[0], t.values[1], t.values[2], t.values[3], t.values[4],
                                                   t.values[5]});
                const QVector<double> values = fileOrder({expected}, fortran);
                const QByteArray file = npyFile(npyDict(descr, fortran, "(2, 3)"), encodeAll(values, t.kind, t.size, big));
                QString fragment = QString::fromLatin1(t.name) + QStringLiteral(", ");
                if (t.size > 1)
                    fragment += big ? QStringLiteral("big-endian, ") : QStringLiteral("little-endian, ");
                fragment += fortran ? QStringLiteral("Fortran order") : QStringLiteral("C order");
                QTest::addRow("%s %s %s", descr.constData(), big ? "BE" : "LE", fortran ? "F" : "C")
                    << file << expected << fragment;
            }
        }
    }
    // Header spellings NumPy versions and other writers produce.
    const Matrix m = mat(2, 3, {1, 2, 3, 4, 5, 6});
    const QByteArray data = encodeAll({1, 2, 3, 4, 5, 6}, 'f', 8, false);
    QTest::newRow("version 2.0")
        << npyFile(npyDict("<f8", false, "(2, 3)"), data, 2) << m << QStringLiteral("format 2.0");
    QTest::newRow("version 3.0")
        << npyFile(npyDict("<f8", false, "(2, 3)"), data, 3) << m << QStringLiteral("format 3.0");
    QTest::newRow("double quotes, no trailing comma")
        << npyFile("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 3)}", data) << m
        << QStringLiteral("float64");
    QTest::newRow("keys reordered, no spaces")
        << npyFile("{'shape':(2,3),'fortran_order':False,'descr':'<f8'}", data) << m << QStringLiteral("float64");
    QTest::newRow("Python 2 longs")
        << npyFile(npyDict("<f8", false, "(2L, 3L)"), data) << m << QStringLiteral("float64");
    QTest::newRow("unaligned header")
        << npyFile(npyDict("<f8", false, "(2, 3)"), data, 1, false) << m << QStringLiteral("float64");
    QTest::newRow("native byte order '='")
        << npyFile(npyDict("=f8", false, "(2, 3)"), data) << m << QStringLiteral("little-endian");
    // float16 exactly: 1, −2, 65504 (the largest), 2⁻²⁴ (the smallest subnormal), 2⁻¹⁴ (the
    // smallest normal), −0.
    const QByteArray halfBits = bytes("\x00\x3c\x00\xc0\xff\x7b\x01\x00\x00\x04\x00\x80");
    QByteArray halfBitsBig = halfBits;
    for (int k = 0; k < halfBitsBig.size(); k += 2)
        std::swap(halfBitsBig[k], halfBitsBig[k + 1]);
    const Matrix halves = mat(2, 3, {1, -2, 65504, std::ldexp(1.0, -24), std::ldexp(1.0, -14), -0.0});
    QTest::newRow("float16 LE") << npyFile(npyDict("<f2", false, "(2, 3)"), halfBits) << halves
                                << QStringLiteral("float16, little-endian");
    QTest::newRow("float16 BE") << npyFile(npyDict(">f2", false, "(2, 3)"), halfBitsBig) << halves
                                << QStringLiteral("float16, big-endian");
    // numpy's type code 'b' is int8 (signed char); only 'b1' and '?' are bool.
    QTest::newRow("'|b' is int8, not bool")
        << npyFile(npyDict("|b", false, "(2, 3)"), encodeAll({-1, 2, 0, -128, 127, 5}, 'i', 1, false))
        << mat(2, 3, {-1, 2, 0, -128, 127, 5}) << QStringLiteral("int8");
    QTest::newRow("bool as '|b1'")
        << npyFile(npyDict("|b1", false, "(2, 3)"), encodeAll({1, 0, 1, 0, 0, 1}, 'b', 1, false))
        << mat(2, 3, {1, 0, 1, 0, 0, 1}) << QStringLiteral("bool");
    QTest::newRow("bool as '?'")
        << npyFile(npyDict("|?", false, "(2, 3)"), encodeAll({1, 0, 1, 0, 0, 1}, 'b', 1, false))
        << mat(2, 3, {1, 0, 1, 0, 0, 1}) << QStringLiteral("bool");
}

void TestMatrixIo::npyDtypes()
{
    QFETCH(QByteArray, file);
    QFETCH(Matrix, expected);
    QFETCH(QString, formatFragment);
    const QString path = freshDir() + QStringLiteral("/m.npy");
    QVERIFY(writeBytes(path, file));
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), std::size_t(1));
    QVERIFY2(bitwiseEqual(r.matrix->channels[0], expected),
             qPrintable(QStringLiteral("got first row %1 %2 %3")
                            .arg(r.matrix->channels[0](0, 0))
                            .arg(r.matrix->channels[0](0, 1))
                            .arg(r.matrix->channels[0](0, 2))));
    QVERIFY2(r.matrix->format.find(str(formatFragment)) != std::string::npos, r.matrix->format.c_str());
}

// Every dtype spelling numpy knows (np.sctypeDict's names, np.typecodes, kind + item size, with
// each byte-order prefix) written into a .npy header by hand, so the spelling reaches the reader as
// it is (np.save would write its canonical form): where numpy reads a dtype Factorscope supports,
// the values must agree bit for bit; where numpy reads another dtype, the file is refused as
// Unsupported; where numpy refuses the spelling, as Malformed. "|b" is int8, "|b1" and "?" bool.
void TestMatrixIo::npyDtypeCodesAgreeWithNumpy_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("status");
    QTest::addColumn<QString>("reference");
    static const QString dir = freshDir();
    static const QByteArray listing = [] {
        const QString script = QStringLiteral(R"PY(
import sys, os
try:
    import numpy as np
except ImportError:
    print("SKIP"); sys.exit(0)
d = sys.argv[1]
codes = sorted(set(k for k in np.sctypeDict if isinstance(k, str)) | set(np.typecodes['All']) | {'c'})
for kind in 'biufc':
    for size in (0, 1, 2, 3, 4, 8, 12, 16, 32):
        codes.append('%s%d' % (kind, size))
codes += ['S5', 'a3', 'U2', 'V4', 'O4', 'O8', 'M8[ns]', 'm8[s]', 'M8[D]', '?1', 'f08', 'i04', 'b01',
          'x4', 'i', 'bool', 'f4 ', 'Int8', 'float63', 'u']
supported = {('b', 1), ('i', 1), ('i', 2), ('i', 4), ('i', 8), ('u', 1), ('u', 2), ('u', 4), ('u', 8),
             ('f', 2), ('f', 4), ('f', 8)}
base = np.array([[0, 1, 2], [3, -1, 127]])
n = 0
for code in codes:
    for prefix in ('', '<', '>', '|', '='):
        descr = prefix + code
        n += 1
        path = os.path.join(d, 'd%d.npy' % n)
        try:
            t = np.dtype(descr)
        except Exception:
            t = None
        if t is not None and (t.kind, t.itemsize) in supported:
            data = np.array(base).astype(t).tobytes()
            status = 'ok'
        else:
            data = b'\0' * 48
            status = 'invalid' if t is None else 'unsupported'
        header = "{'descr': %r, 'fortran_order': False, 'shape': (2, 3), }" % descr
        header = header.encode('latin1')
        header += b' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + b'\n'
        with open(path, 'wb') as f:
            f.write(b'\x93NUMPY\x01\x00' + len(header).to_bytes(2, 'little') + header + data)
        ref = ''
        if status == 'ok':
            a = np.load(path)                      # numpy itself reads the hand-made header
            assert a.dtype == t, descr
            ref = os.path.join(d, 'r%d.npy' % n)
            np.save(ref, a.astype('<f8'))
        print('%s\t%s\t%s\t%s' % (descr, status, path, ref))
)PY");
        QProcess p;
        p.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, dir});
        if (!p.waitForFinished(120000) || p.exitCode() != 0)
            return QByteArray("ERROR ") + p.readAllStandardError();
        return p.readAllStandardOutput();
    }();
    if (listing.trimmed() == "SKIP" || !QFileInfo::exists(QStringLiteral("/usr/bin/python3"))) {
        QTest::newRow("numpy missing") << QString() << QStringLiteral("skip") << QString();
        return;
    }
    if (listing.startsWith("ERROR")) {
        QTest::newRow("numpy script failed") << QString::fromUtf8(listing) << QStringLiteral("error") << QString();
        return;
    }
    for (const QByteArray &line : listing.split('\n')) {
        const QList<QByteArray> f = line.split('\t');
        if (f.size() != 4)
            continue;
        const QByteArray name = f[0].isEmpty() ? QByteArray("(empty)") : f[0];
        QTest::newRow(name.constData()) << QString::fromUtf8(f[2]) << QString::fromUtf8(f[1])
                                        << QString::fromUtf8(f[3]);
    }
}

void TestMatrixIo::npyDtypeCodesAgreeWithNumpy()
{
    QFETCH(QString, file);
    QFETCH(QString, status);
    QFETCH(QString, reference);
    if (status == QStringLiteral("skip"))
        QSKIP("numpy is not installed for /usr/bin/python3");
    QVERIFY2(status != QStringLiteral("error"), qPrintable(file));
    const LoadResult r = core::loadMatrixFile(str(file));
    const std::string message = r.ok() ? r.matrix->format : core::describeLoadError(str(file), r.error);
    if (status == QStringLiteral("ok")) {
        QVERIFY2(r.ok(), message.c_str());
        const LoadResult want = core::loadMatrixFile(str(reference));
        QVERIFY(want.ok());
        QVERIFY2(bitwiseEqual(r.matrix->channels[0], want.matrix->channels[0]), message.c_str());
    } else if (status == QStringLiteral("unsupported")) {
        QVERIFY2(!r.ok(), message.c_str());
        QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind::Unsupported));
    } else {
        QVERIFY2(!r.ok(), message.c_str());
        QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind::Malformed));
        QVERIFY2(message.find("dtype") != std::string::npos, message.c_str());
    }
}

void TestMatrixIo::npyLayouts_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<Channels>("expected");
    QTest::addColumn<QString>("noteFragment");

    // A file holding 0, 1, 2, … in storage order, read per NumPy's definitions:
    // C: index = (i*W + j)*C + c;  Fortran: index = i + H*(j + W*c).
    auto counting = [](int n) {
        QVector<double> v;
        for (int k = 0; k < n; ++k)
            v << k;
        return encodeAll(v, 'f', 8, false);
    };
    auto build = [](int h, int w, int nc, bool fortran) {
        Channels ch(std::size_t(nc), Matrix(h, w));
        for (int c = 0; c < nc; ++c)
            for (int i = 0; i < h; ++i)
                for (int j = 0; j < w; ++j)
                    ch[std::size_t(c)](i, j) = fortran ? i + h * (j + w * c) : (i * w + j) * nc + c;
        return ch;
    };
    QTest::newRow("2-D C order") << npyFile(npyDict("<f8", false, "(2, 3)"), counting(6))
                                 << Channels{mat(2, 3, {0, 1, 2, 3, 4, 5})} << QString();
    QTest::newRow("2-D Fortran order") << npyFile(npyDict("<f8", true, "(2, 3)"), counting(6))
                                       << Channels{mat(2, 3, {0, 2, 4, 1, 3, 5})} << QString();
    QTest::newRow("1-D -> row") << npyFile(npyDict("<f8", false, "(4,)"), counting(4))
                                << Channels{mat(1, 4, {0, 1, 2, 3})} << QStringLiteral("1 x 4 row");
    // N-D arrays other than H x W x C (C <= 4): rows:1, numpy's a.reshape(d0, -1) of the logical array.
    QTest::newRow("4-D -> d0 x rest") << npyFile(npyDict("<f8", false, "(1, 1, 2, 3)"), counting(6))
                                      << Channels{mat(1, 6, {0, 1, 2, 3, 4, 5})} << QStringLiteral("1 x 6 matrix");
    QTest::newRow("3-D with 6 in the last axis") << npyFile(npyDict("<f8", false, "(1, 1, 6)"), counting(6))
                                                 << Channels{mat(1, 6, {0, 1, 2, 3, 4, 5})}
                                                 << QStringLiteral("1 x 6 matrix");
    // Fortran storage: element (i, j, k) at i + 2·(j + 3·k); row i, column j·5 + k.
    Matrix f235(2, 15);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 5; ++k)
                f235(i, j * 5 + k) = i + 2 * (j + 3 * k);
    QTest::newRow("3-D Fortran order 2x3x5 -> 2 x 15") << npyFile(npyDict("<f8", true, "(2, 3, 5)"), counting(30))
                                                       << Channels{f235} << QStringLiteral("2 x 15 matrix");
    QTest::newRow("3-D C order 2x3x3") << npyFile(npyDict("<f8", false, "(2, 3, 3)"), counting(18))
                                       << build(2, 3, 3, false) << QStringLiteral("3 channels");
    QTest::newRow("3-D Fortran order 2x3x3") << npyFile(npyDict("<f8", true, "(2, 3, 3)"), counting(18))
                                             << build(2, 3, 3, true) << QStringLiteral("3 channels");
    QTest::newRow("3-D C order 3x2x4") << npyFile(npyDict("<f8", false, "(3, 2, 4)"), counting(24))
                                       << build(3, 2, 4, false) << QStringLiteral("4 channels");
    QTest::newRow("3-D one channel") << npyFile(npyDict("<f8", false, "(2, 2, 1)"), counting(4))
                                     << build(2, 2, 1, false) << QStringLiteral("1 channel");
    // 3-D uint8 RGB, big chunk boundary irrelevant but a typical image layout.
    QTest::newRow("3-D uint8 image") << npyFile(npyDict("|u1", false, "(1, 2, 3)"),
                                                encodeAll({10, 20, 30, 40, 50, 60}, 'u', 1, false))
                                     << Channels{mat(1, 2, {10, 40}), mat(1, 2, {20, 50}), mat(1, 2, {30, 60})}
                                     << QStringLiteral("3 channels");
    // Large enough to cross the 2^17-value read chunk in both orders.
    const int h = 700, w = 300;
    QTest::newRow("large C order") << npyFile(npyDict("<f8", false, "(700, 300)"), counting(h * w))
                                   << build(h, w, 1, false) << QString();
    QTest::newRow("large Fortran order") << npyFile(npyDict("<f8", true, "(700, 300)"), counting(h * w))
                                         << build(h, w, 1, true) << QString();
    QTest::newRow("int64 beyond 2^53") << npyFile(npyDict("<i8", false, "(1, 2)"),
                                                  encode(0, 'i', 8, false) + QByteArray("\x01\x00\x00\x00\x00\x00\x20\x00", 8))
                                       << Channels{mat(1, 2, {0, 9007199254740993.0})} << QStringLiteral("2^53");
}

void TestMatrixIo::npyLayouts()
{
    QFETCH(QByteArray, file);
    QFETCH(Channels, expected);
    QFETCH(QString, noteFragment);
    const QString path = freshDir() + QStringLiteral("/m.npy");
    QVERIFY(writeBytes(path, file));
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), expected.size());
    for (std::size_t c = 0; c < expected.size(); ++c)
        QVERIFY2(bitwiseEqual(r.matrix->channels[c], expected[c]), qPrintable(QStringLiteral("channel %1").arg(c)));
    std::string notes;
    for (const auto &n : r.matrix->notes)
        notes += n + "\n";
    if (noteFragment.isEmpty())
        QVERIFY2(notes.empty(), notes.c_str());
    else
        QVERIFY2(notes.find(str(noteFragment)) != std::string::npos, notes.c_str());
}

// --- CSV / TSV / TXT dialects --------------------------------------------------------------------

void TestMatrixIo::csvDialects_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<Matrix>("expected");
    QTest::addColumn<QString>("formatFragment");
    QTest::addColumn<QString>("noteFragment");

    const Matrix m23 = mat(2, 3, {1, 2, 3, 4, 5, 6});
    const Matrix m22 = mat(2, 2, {1, 2, 3, 4});
    QTest::newRow("comma") << "a.csv" << QByteArray("1,2,3\n4,5,6\n") << m23 << "CSV (comma)" << "";
    QTest::newRow("header row") << "a.csv" << QByteArray("x,y,z\n1,2,3\n4,5,6\n") << m23 << "CSV (comma, header row)"
                                << "\"x,y,z\") was read as column names";
    QTest::newRow("quoted header with comma inside")
        << "a.csv" << QByteArray("\"a,b\",\"c\",d\n1,2,3\n4,5,6\n") << m23 << "header row" << "column names";
    QTest::newRow("pandas header with empty first cell")
        << "a.csv" << QByteArray(",a,b\n1,2,3\n4,5,6\n") << m23 << "header row" << "column names";
    QTest::newRow("quoted numbers") << "a.csv" << QByteArray("\"1\",\"2\"\n\" 3 \",\"4\"\n") << m22 << "CSV (comma)"
                                    << "";
    QTest::newRow("tab") << "a.tsv" << QByteArray("1\t2\t3\n4\t5\t6\n") << m23 << "TSV (tab)" << "";
    QTest::newRow("tab with header and padding")
        << "a.tsv" << QByteArray("col a\tcol b\n 1 \t2\n3\t 4\n") << m22 << "TSV (tab, header row)" << "col a";
    QTest::newRow("tab in a .csv") << "a.csv" << QByteArray("1\t2\n3\t4\n") << m22 << "CSV (tab)" << "";
    QTest::newRow("semicolon") << "a.csv" << QByteArray("1;2\n3;4\n") << m22 << "CSV (semicolon)" << "";
    QTest::newRow("semicolon with decimal commas")
        << "a.csv" << QByteArray("1,5;2,25\n-3,0;4\n") << mat(2, 2, {1.5, 2.25, -3, 4})
        << "CSV (semicolon, decimal comma)" << "Decimal commas";
    QTest::newRow("whitespace runs") << "a.txt" << QByteArray("  1   2\t3\n4 5 6  \n") << m23 << "text (whitespace)"
                                     << "";
    QTest::newRow("numpy savetxt") << "a.txt"
                                   << QByteArray("1.000000000000000000e+00 2.000000000000000000e+00\n"
                                                 "3.000000000000000000e+00 4.000000000000000000e+00\n")
                                   << m22 << "text (whitespace)" << "";
    QTest::newRow("CRLF") << "a.csv" << QByteArray("1,2\r\n3,4\r\n") << m22 << "CSV (comma)" << "";
    QTest::newRow("CRLF header") << "a.csv" << QByteArray("p,q\r\n1,2\r\n3,4\r\n") << m22 << "header row" << "\"p,q\"";
    QTest::newRow("trailing blank lines") << "a.csv" << QByteArray("1,2\n3,4\n\n\n  \n\r\n") << m22 << "CSV" << "";
    QTest::newRow("comment lines") << "a.csv" << QByteArray("# made by hand\n1,2\n  # indented\n3,4\n# end\n") << m22
                                   << "CSV (comma)" << "";
    QTest::newRow("comment then header") << "a.csv" << QByteArray("# c\nu,v\n1,2\n3,4\n") << m22 << "header row"
                                         << "\"u,v\"";
    QTest::newRow("no final newline") << "a.csv" << QByteArray("1,2\n3,4") << m22 << "CSV" << "";
    QTest::newRow("UTF-8 BOM") << "a.csv" << QByteArray("\xEF\xBB\xBF" "1,2\n3,4\n") << m22 << "CSV" << "";
    QTest::newRow("signs and exponents") << "a.csv" << QByteArray("+1e3,-2.5E-2\n.5,5.\n")
                                         << mat(2, 2, {1000, -0.025, 0.5, 5}) << "CSV" << "";
    QTest::newRow("17 significant digits") << "a.csv" << QByteArray("0.10000000000000001,3.1415926535897931\n")
                                           << mat(1, 2, {0.1, M_PI}) << "CSV" << "";
    QTest::newRow("single column") << "a.csv" << QByteArray("1\n2\n3\n") << mat(3, 1, {1, 2, 3}) << "CSV" << "";
    QTest::newRow("single row") << "a.csv" << QByteArray("1,2,3\n") << mat(1, 3, {1, 2, 3}) << "CSV" << "";
    QTest::newRow("single value") << "a.txt" << QByteArray("7\n") << mat(1, 1, {7}) << "text" << "";
    QTest::newRow("trailing delimiter") << "a.csv" << QByteArray("1,2,\n3,4,\n") << m22 << "CSV" << "";
    QTest::newRow("spaces around cells") << "a.csv" << QByteArray("1 , 2\n 3,4 \n") << m22 << "CSV" << "";
    QTest::newRow("spreadsheet empty rows") << "a.csv" << QByteArray("1,2\n,,\n3,4\n,\n") << m22 << "CSV" << "";
    QTest::newRow("blank line between rows") << "a.csv" << QByteArray("1,2\n\n3,4\n") << m22 << "CSV" << "";
    QTest::newRow("header only one row after") << "a.csv" << QByteArray("a,b\n1,2\n") << mat(1, 2, {1, 2})
                                               << "header row" << "column names";
}

void TestMatrixIo::csvDialects()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(Matrix, expected);
    QFETCH(QString, formatFragment);
    QFETCH(QString, noteFragment);
    const QString path = freshDir() + QLatin1Char('/') + fileName;
    QVERIFY(writeBytes(path, content));
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), std::size_t(1));
    const Matrix &got = r.matrix->channels[0];
    QCOMPARE(got.rows(), expected.rows());
    QCOMPARE(got.cols(), expected.cols());
    QVERIFY2(bitwiseEqual(got, expected), qPrintable(QStringLiteral("first value %1").arg(got(0, 0))));
    QVERIFY2(r.matrix->format.find(str(formatFragment)) != std::string::npos, r.matrix->format.c_str());
    std::string notes;
    for (const auto &n : r.matrix->notes)
        notes += n + "\n";
    if (noteFragment.isEmpty())
        QVERIFY2(notes.empty(), notes.c_str());
    else
        QVERIFY2(notes.find(str(noteFragment)) != std::string::npos, notes.c_str());
}

// --- Matrix Market --------------------------------------------------------------------------------

void TestMatrixIo::mtxVariants_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<Matrix>("expected");
    QTest::addColumn<QString>("formatFragment");

    const QByteArray b = "%%MatrixMarket matrix ";
    QTest::newRow("array real general") << b + "array real general\n% comment\n2 3\n1\n4\n2\n5\n3\n6.5\n"
                                        << mat(2, 3, {1, 2, 3, 4, 5, 6.5}) << "array real general";
    QTest::newRow("array integer general") << b + "array integer general\n2 2\n1\n-3\n2\n4\n"
                                           << mat(2, 2, {1, 2, -3, 4}) << "array integer general";
    QTest::newRow("array real symmetric") << b + "array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n"
                                          << mat(3, 3, {1, 2, 3, 2, 4, 5, 3, 5, 6}) << "array real symmetric";
    QTest::newRow("array integer symmetric") << b + "array integer symmetric\n2 2\n7\n8\n9\n"
                                             << mat(2, 2, {7, 8, 8, 9}) << "array integer symmetric";
    QTest::newRow("array real skew-symmetric") << b + "array real skew-symmetric\n3 3\n1\n2\n3\n"
                                               << mat(3, 3, {0, -1, -2, 1, 0, -3, 2, 3, 0})
                                               << "array real skew-symmetric";
    QTest::newRow("array integer skew-symmetric") << b + "array integer skew-symmetric\n2 2\n5\n"
                                                  << mat(2, 2, {0, -5, 5, 0}) << "array integer skew-symmetric";
    QTest::newRow("array several values per line") << b + "array real general\n2 2\n1 3\n2 4\n"
                                                   << mat(2, 2, {1, 2, 3, 4}) << "array";
    {
        // Issue 13: all values of an array on one line (the tokenizer counted the rest of the
        // line for every value: quadratic; bench_tokenize measures it).
        Matrix big(200, 200);
        QByteArray line;
        for (Eigen::Index j = 0; j < 200; ++j)
            for (Eigen::Index i = 0; i < 200; ++i) {
                big(i, j) = double((i * 7 + j * 13) % 101) - 50.5;
                line += QByteArray::number(big(i, j)) + ' ';
            }
        QTest::newRow("array 200 x 200 on one line") << b + "array real general\n200 200\n" + line + "\n" << big
                                                     << "array real general";
    }
    QTest::newRow("coordinate real general")
        << b + "coordinate real general\n% made by hand\n3 4 3\n1 1 1.5\n3 4 -2\n2 3 1e2\n"
        << mat(3, 4, {1.5, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, -2}) << "coordinate real general";
    QTest::newRow("coordinate integer general") << b + "coordinate integer general\n2 2 2\n1 2 7\n2 1 -8\n"
                                                << mat(2, 2, {0, 7, -8, 0}) << "coordinate integer general";
    QTest::newRow("coordinate pattern general") << b + "coordinate pattern general\n2 3 3\n1 1\n2 3\n1 3\n"
                                                << mat(2, 3, {1, 0, 1, 0, 0, 1}) << "coordinate pattern general";
    QTest::newRow("coordinate real symmetric") << b + "coordinate real symmetric\n3 3 4\n1 1 1\n2 1 2\n3 1 3\n3 3 4\n"
                                               << mat(3, 3, {1, 2, 3, 2, 0, 0, 3, 0, 4}) << "coordinate real symmetric";
    QTest::newRow("coordinate integer symmetric") << b + "coordinate integer symmetric\n2 2 2\n2 1 5\n2 2 6\n"
                                                  << mat(2, 2, {0, 5, 5, 6}) << "coordinate integer symmetric";
    QTest::newRow("coordinate pattern symmetric") << b + "coordinate pattern symmetric\n3 3 2\n2 1\n3 3\n"
                                                  << mat(3, 3, {0, 1, 0, 1, 0, 0, 0, 0, 1})
                                                  << "coordinate pattern symmetric";
    QTest::newRow("coordinate real skew-symmetric") << b + "coordinate real skew-symmetric\n3 3 2\n2 1 1.5\n3 2 -4\n"
                                                    << mat(3, 3, {0, -1.5, 0, 1.5, 0, 4, 0, -4, 0})
                                                    << "coordinate real skew-symmetric";
    QTest::newRow("coordinate integer skew-symmetric") << b + "coordinate integer skew-symmetric\n2 2 1\n2 1 3\n"
                                                       << mat(2, 2, {0, -3, 3, 0}) << "coordinate integer skew";
    QTest::newRow("coordinate duplicates summed") << b + "coordinate real general\n2 2 3\n1 1 1\n1 1 2\n2 2 5\n"
                                                  << mat(2, 2, {3, 0, 0, 5}) << "coordinate";
    QTest::newRow("coordinate no entries") << QByteArray("%%MatrixMarket matrix coordinate real general\n2 2 0\n")
                                           << mat(2, 2, {0, 0, 0, 0}) << "coordinate";
    QTest::newRow("banner in upper case, CRLF, blank lines")
        << QByteArray("%%MatrixMarket MATRIX Coordinate REAL General\r\n%\r\n\r\n2 2 1\r\n\r\n2 2 9\r\n")
        << mat(2, 2, {0, 0, 0, 9}) << "coordinate real general";
    QTest::newRow("field 'double'") << b + "array double general\n1 2\n1\n2\n" << mat(1, 2, {1, 2}) << "array real";
    QTest::newRow("no final newline") << b + "coordinate real general\n1 1 1\n1 1 3" << mat(1, 1, {3}) << "coordinate";
}

void TestMatrixIo::mtxVariants()
{
    QFETCH(QByteArray, content);
    QFETCH(Matrix, expected);
    QFETCH(QString, formatFragment);
    const QString path = freshDir() + QStringLiteral("/m.mtx");
    QVERIFY(writeBytes(path, content));
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), std::size_t(1));
    const Matrix &got = r.matrix->channels[0];
    QCOMPARE(got.rows(), expected.rows());
    QCOMPARE(got.cols(), expected.cols());
    QVERIFY2(got == expected, qPrintable(QStringLiteral("max |diff| %1").arg((got - expected).cwiseAbs().maxCoeff())));
    QVERIFY2(r.matrix->format.find(str(formatFragment)) != std::string::npos, r.matrix->format.c_str());
}

// --- MATLAB ---------------------------------------------------------------------------------------

void TestMatrixIo::matFiles_data()
{
    QTest::addColumn<int>("version");
    QTest::addColumn<bool>("compress");
    QTest::addColumn<std::vector<MatVar>>("vars");
    QTest::addColumn<Channels>("expected");
    QTest::addColumn<QString>("formatFragment");
    QTest::addColumn<QString>("noteFragment");

    const std::vector<double> v23 = {1, 4, 2, 5, 3, 6}; // column-major of [[1,2,3],[4,5,6]]
    const Matrix m23 = mat(2, 3, {1, 2, 3, 4, 5, 6});
    const std::vector<std::pair<mat_ft, const char *>> versions = {
        {MAT_FT_MAT5, "v5"}, {MAT_FT_MAT73, "v7.3"}};
    const std::vector<std::pair<matio_classes, const char *>> classes = {
        {MAT_C_DOUBLE, "double"}, {MAT_C_SINGLE, "single"}, {MAT_C_INT8, "int8"},   {MAT_C_UINT8, "uint8"},
        {MAT_C_INT16, "int16"},   {MAT_C_UINT16, "uint16"}, {MAT_C_INT32, "int32"}, {MAT_C_UINT32, "uint32"},
        {MAT_C_INT64, "int64"},   {MAT_C_UINT64, "uint64"}};
    for (const auto &[ver, verName] : versions)
        for (const auto &[cls, clsName] : classes)
            QTest::addRow("%s %s", verName, clsName)
                << int(ver) << false << std::vector<MatVar>{numericVar("A", cls, {2, 3}, v23)} << Channels{m23}
                << QStringLiteral("MATLAB %1 .mat, variable 'A' (%2)").arg(QLatin1String(verName), QLatin1String(clsName))
                << QString();
    QTest::newRow("v5 compressed double")
        << int(MAT_FT_MAT5) << true << std::vector<MatVar>{numericVar("A", MAT_C_DOUBLE, {2, 3}, v23)} << Channels{m23}
        << "MATLAB v5 .mat, variable 'A' (double)" << QString();
    QTest::newRow("v4 double") << int(MAT_FT_MAT4) << false
                               << std::vector<MatVar>{numericVar("M", MAT_C_DOUBLE, {2, 3}, v23)} << Channels{m23}
                               << "MATLAB v4 .mat, variable 'M'" << QString();
    QTest::newRow("v5 logical") << int(MAT_FT_MAT5) << false
                                << std::vector<MatVar>{numericVar("L", MAT_C_UINT8, {2, 2}, {1, 0, 0, 1}, true)}
                                << Channels{mat(2, 2, {1, 0, 0, 1})} << "variable 'L' (logical)" << QString();
    QTest::newRow("v7.3 logical") << int(MAT_FT_MAT73) << false
                                  << std::vector<MatVar>{numericVar("L", MAT_C_UINT8, {2, 2}, {1, 0, 0, 1}, true)}
                                  << Channels{mat(2, 2, {1, 0, 0, 1})} << "variable 'L'" << QString();
    QTest::newRow("v5 skips complex, struct, cell, char, sparse")
        << int(MAT_FT_MAT5) << false
        << std::vector<MatVar>{otherVar("z", MatVar::Complex), otherVar("s", MatVar::Struct), otherVar("c", MatVar::Cell),
                               otherVar("t", MatVar::Char), otherVar("sp", MatVar::Sparse),
                               numericVar("A", MAT_C_DOUBLE, {2, 3}, v23)}
        << Channels{m23} << "variable 'A'"
        << "z (is a complex double variable, not a real numeric array), s (is a struct variable, not a real numeric "
           "array), c (is a cell variable, not a real numeric array), t (is a char variable, not a real numeric "
           "array) and sp (is a sparse variable";
    QTest::newRow("v5 skips empty")
        << int(MAT_FT_MAT5) << false
        << std::vector<MatVar>{numericVar("e", MAT_C_DOUBLE, {0, 0}, {}), numericVar("A", MAT_C_DOUBLE, {2, 3}, v23)}
        << Channels{m23} << "variable 'A'" << "skipped: e (is empty (0 x 0))";
    std::vector<double> rgb(2 * 3 * 3);
    for (std::size_t k = 0; k < rgb.size(); ++k)
        rgb[k] = double(k);
    QTest::newRow("v5 3-D H x W x 3") << int(MAT_FT_MAT5) << false
                                      << std::vector<MatVar>{numericVar("img", MAT_C_UINT8, {2, 3, 3}, rgb)}
                                      << channelsFromColumnMajor(2, 3, 3, rgb) << "variable 'img' (uint8)"
                                      << "3 channels";
    QTest::newRow("v7.3 3-D H x W x 3") << int(MAT_FT_MAT73) << false
                                        << std::vector<MatVar>{numericVar("img", MAT_C_DOUBLE, {2, 3, 3}, rgb)}
                                        << channelsFromColumnMajor(2, 3, 3, rgb) << "v7.3 .mat, variable 'img'"
                                        << "3 channels";
    Matrix big = test::gaussian(120, 90, 31);
    std::vector<double> bigValues(big.data(), big.data() + big.size());
    QTest::newRow("v5 compressed 120x90") << int(MAT_FT_MAT5) << true
                                          << std::vector<MatVar>{numericVar("G", MAT_C_DOUBLE, {120, 90}, bigValues)}
                                          << Channels{big} << "variable 'G'" << QString();
    QTest::newRow("v7.3 120x90") << int(MAT_FT_MAT73) << false
                                 << std::vector<MatVar>{numericVar("G", MAT_C_DOUBLE, {120, 90}, bigValues)}
                                 << Channels{big} << "variable 'G'" << QString();
    // Larger than the child's 64 MiB working allowance is not needed to matter: the child's
    // limits must grow by the variable it reads (a 32 MB variable once failed to read).
    Matrix large = test::gaussian(2000, 2000, 32);
    std::vector<double> largeValues(large.data(), large.data() + large.size());
    QTest::newRow("v5 2000x2000 (32 MB)") << int(MAT_FT_MAT5) << false
                                         << std::vector<MatVar>{numericVar("L", MAT_C_DOUBLE, {2000, 2000}, largeValues)}
                                         << Channels{large} << "variable 'L'" << QString();
    QTest::newRow("v5 compressed 2000x2000") << int(MAT_FT_MAT5) << true
                                             << std::vector<MatVar>{numericVar("L", MAT_C_DOUBLE, {2000, 2000}, largeValues)}
                                             << Channels{large} << "variable 'L'" << QString();
    QTest::newRow("v7.3 2000x2000") << int(MAT_FT_MAT73) << false
                                    << std::vector<MatVar>{numericVar("L", MAT_C_DOUBLE, {2000, 2000}, largeValues)}
                                    << Channels{large} << "variable 'L'" << QString();
}

void TestMatrixIo::matFiles()
{
    QFETCH(int, version);
    QFETCH(bool, compress);
    QFETCH(std::vector<MatVar>, vars);
    QFETCH(Channels, expected);
    QFETCH(QString, formatFragment);
    QFETCH(QString, noteFragment);
    if (version == MAT_FT_MAT73 && !m_haveMat73)
        QSKIP("this matio cannot write MATLAB v7.3 (built without HDF5)");
    const QString path = freshDir() + QStringLiteral("/m.mat");
    QVERIFY2(writeMat(path, mat_ft(version), vars, compress), "matio could not write the fixture");
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QCOMPARE(r.matrix->channels.size(), expected.size());
    for (std::size_t c = 0; c < expected.size(); ++c)
        QVERIFY2(bitwiseEqual(r.matrix->channels[c], expected[c]), qPrintable(QStringLiteral("channel %1").arg(c)));
    QVERIFY2(r.matrix->format.find(str(formatFragment)) != std::string::npos, r.matrix->format.c_str());
    std::string notes;
    for (const auto &n : r.matrix->notes)
        notes += n + "\n";
    if (noteFragment.isEmpty())
        QVERIFY2(notes.empty(), notes.c_str());
    else
        QVERIFY2(notes.find(str(noteFragment)) != std::string::npos, notes.c_str());
}

/// Several variables: the same listing and FILE::NAME choice as .npz and .safetensors (issue 12).
void TestMatrixIo::matNamedVariables()
{
    const QString path = freshDir() + QStringLiteral("/several.mat");
    std::vector<double> rgb(2 * 3 * 3);
    for (std::size_t k = 0; k < rgb.size(); ++k)
        rgb[k] = double(k);
    QVERIFY(writeMat(path, MAT_FT_MAT5,
                     {numericVar("first", MAT_C_DOUBLE, {2, 3}, {1, 4, 2, 5, 3, 6}),
                      numericVar("second", MAT_C_SINGLE, {1, 1}, {9}),
                      numericVar("q", MAT_C_DOUBLE, {1, 1, 1, 2}, {1, 2}),
                      numericVar("cube", MAT_C_INT16, {1, 1, 5}, {1, 2, 3, 4, 5}),
                      numericVar("img", MAT_C_UINT8, {2, 3, 3}, rgb), otherVar("s", MatVar::Struct)}));
    const std::string file = str(path);

    // Without a name: several loadable variables is a question for the user, not a guess.
    const LoadResult none = core::loadMatrixFile(file);
    QVERIFY(!none.ok());
    QCOMPARE(kindName(none.error.kind), kindName(LoadErrorKind::NameRequired));
    const std::string listed = core::describeLoadError(file, none.error);
    QVERIFY2(listed.find("holds 5 arrays; open one as FILE::NAME with NAME one of first, second, q, cube and img")
                 != std::string::npos,
             listed.c_str());

    // The listing: every variable from its header, the struct with its reason.
    const core::ListResult list = core::listTensors(file);
    QVERIFY2(list.ok(), core::describeLoadError(file, list.error).c_str());
    QCOMPARE(list.listing->format, std::string("MATLAB v5 .mat"));
    QCOMPARE(list.listing->tensors.size(), std::size_t(6));
    const std::vector<std::string> names = {"first", "second", "q", "cube", "img", "s"};
    const std::vector<std::string> dtypes = {"double", "single", "double", "int16", "uint8", "struct"};
    const std::vector<std::uint64_t> sizes = {48, 4, 16, 10, 18};
    for (std::size_t k = 0; k < names.size(); ++k) {
        QCOMPARE(list.listing->tensors[k].name, names[k]);
        QCOMPARE(list.listing->tensors[k].dtype, dtypes[k]);
        if (k < sizes.size()) {
            QCOMPARE(list.listing->tensors[k].bytes, sizes[k]);
            QVERIFY(list.listing->tensors[k].problem.empty());
        }
    }
    QCOMPARE(list.listing->tensors[2].shape, (std::vector<std::uint64_t>{1, 1, 1, 2}));
    QVERIFY(list.listing->tensors[5].problem.find("is a struct variable") != std::string::npos);

    // By name, with the reshape rule: N-D other than H x W x C (C <= 4) is d0 x (d1·d2·…).
    struct Case
    {
        std::string name;
        core::Reshape reshape;
        Channels expected;
        std::string reshapeText;
    };
    Matrix img(2, 9); // MATLAB (i, j, k) at i + 2·(j + 3·k); rows:1 puts it at row i, column j·3 + k
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 3; ++k)
                img(i, j * 3 + k) = i + 2 * (j + 3 * k);
    const std::vector<Case> cases = {
        {"first", {}, {mat(2, 3, {1, 2, 3, 4, 5, 6})}, ""},
        {"second", {}, {mat(1, 1, {9})}, ""},
        {"q", {}, {mat(1, 2, {1, 2})}, "rows:1 (1 x 1 x 1 x 2 -> 1 x 2)"},
        {"cube", {}, {mat(1, 5, {1, 2, 3, 4, 5})}, "rows:1 (1 x 1 x 5 -> 1 x 5)"},
        {"cube", core::Reshape::rows(3), {mat(5, 1, {1, 2, 3, 4, 5})}, "rows:3 (1 x 1 x 5 -> 5 x 1)"},
        {"img", {}, channelsFromColumnMajor(2, 3, 3, rgb), "channels (2 x 3 x 3 -> 3 channels of 2 x 3)"},
        {"img", core::Reshape::rows(1), {img}, "rows:1 (2 x 3 x 3 -> 2 x 9)"},
    };
    for (const Case &c : cases) {
        const LoadResult r = core::loadTensor(file, c.name, c.reshape);
        QVERIFY2(r.ok(), core::describeLoadError(file, r.error).c_str());
        QCOMPARE(r.matrix->tensor, c.name);
        QCOMPARE(r.matrix->reshape, c.reshapeText);
        QCOMPARE(r.matrix->channels.size(), c.expected.size());
        for (std::size_t k = 0; k < c.expected.size(); ++k)
            QVERIFY2(bitwiseEqual(r.matrix->channels[k], c.expected[k]), (c.name + " " + c.reshape.text()).c_str());
    }

    // Names that cannot be loaded say why, naming the variable.
    const LoadResult structVar = core::loadTensor(file, "s");
    QCOMPARE(kindName(structVar.error.kind), kindName(LoadErrorKind::Unsupported));
    QCOMPARE(core::describeLoadError(file, structVar.error),
             file + "::s: is a struct variable, not a real numeric array.");
    const LoadResult missing = core::loadTensor(file, "nope");
    QCOMPARE(kindName(missing.error.kind), kindName(LoadErrorKind::NoSuchName));
    QVERIFY(core::describeLoadError(file, missing.error).find("its arrays are first, second, q, cube, img and s")
            != std::string::npos);
}

// --- bad files ------------------------------------------------------------------------------------

namespace {
// Special contents for the bad-file tables.
const QByteArray missingFile = "<missing>";
const QByteArray directory = "<directory>";
} // namespace

void TestMatrixIo::addBadColumns()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("fragment");
    QTest::addColumn<int>("line"); // -1: not checked
}

void TestMatrixIo::checkBadRow()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(int, kind);
    QFETCH(QString, fragment);
    QFETCH(int, line);
    const QString path = freshDir() + QLatin1Char('/') + fileName;
    if (content == directory)
        QVERIFY(QDir().mkpath(path));
    else if (content != missingFile)
        QVERIFY2(!content.isEmpty() || fileName.contains(QLatin1String("empty")), "fixture could not be made");
    if (content != directory && content != missingFile)
        QVERIFY(writeBytes(path, content));

    LoadResult r;
    try {
        r = core::loadMatrixFile(str(path));
    } catch (...) {
        QFAIL("loadMatrixFile threw");
    }
    QVERIFY2(!r.ok(), "a bad file was accepted");
    const std::string message = core::describeLoadError(str(path), r.error);
    QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind(kind)));
    QVERIFY2(message.find(str(QFileInfo(path).fileName())) != std::string::npos, message.c_str());
    const bool namesFile = message.rfind(str(path) + ": ", 0) == 0 || message.rfind(str(path) + "::", 0) == 0;
    QVERIFY2(namesFile, message.c_str());
    QVERIFY2(message.find(str(fragment)) != std::string::npos, message.c_str());
    QCOMPARE(message.back(), '.');
    QVERIFY2(message.find('\n') == std::string::npos, message.c_str());
    if (line >= 0)
        QCOMPARE(r.error.line, (long long)line);
}

void TestMatrixIo::badGeneric_data()
{
    addBadColumns();
    const int nf = int(LoadErrorKind::NotFound), na = int(LoadErrorKind::NotAFile), em = int(LoadErrorKind::Empty),
              un = int(LoadErrorKind::Unsupported);
    QTest::newRow("missing npy") << "nope.npy" << missingFile << nf << "does not exist" << -1;
    QTest::newRow("missing csv") << "nope.csv" << missingFile << nf << "does not exist" << -1;
    QTest::newRow("missing with unknown extension") << "nope.xyz" << missingFile << nf << "does not exist" << -1;
    QTest::newRow("directory named .npy") << "dir.npy" << directory << na << "is a directory, not a file" << -1;
    QTest::newRow("directory named .mat") << "dir.mat" << directory << na << "is a directory, not a file" << -1;
    QTest::newRow("empty npy") << "empty.npy" << QByteArray() << em << "is empty" << -1;
    QTest::newRow("empty csv") << "empty.csv" << QByteArray() << em << "is empty" << -1;
    QTest::newRow("empty mtx") << "empty.mtx" << QByteArray() << em << "is empty" << -1;
    QTest::newRow("empty mat") << "empty.mat" << QByteArray() << em << "is empty" << -1;
    QTest::newRow("unknown extension") << "m.xyz" << QByteArray("1,2\n") << un << "matrix files end in .npy, .npz, .safetensors, .csv" << -1;
    QTest::newRow("no extension") << "matrix" << QByteArray("1,2\n") << un << "has no extension" << -1;
}

void TestMatrixIo::badNpy_data()
{
    addBadColumns();
    const int tr = int(LoadErrorKind::Truncated), ma = int(LoadErrorKind::Malformed),
              tl = int(LoadErrorKind::TooLarge), un = int(LoadErrorKind::Unsupported), em = int(LoadErrorKind::Empty),
              nf = int(LoadErrorKind::NonFinite);
    const QByteArray f8x6 = encodeAll({1, 2, 3, 4, 5, 6}, 'f', 8, false);
    auto npy = [](const QByteArray &descr, const QByteArray &shape, const QByteArray &data, bool fortran = false) {
        return npyFile(npyDict(descr, fortran, shape), data);
    };
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();

    QTest::newRow("wrong magic") << "m.npy" << QByteArray("this is not a numpy file at all") << ma
                                 << "is not a NumPy .npy file (wrong magic bytes)" << -1;
    QTest::newRow("PNG renamed") << "m.npy" << bytes("\x89PNG\r\n\x1a\n\0\0\0\rIHDR") << ma << "wrong magic bytes" << -1;
    QTest::newRow("CSV renamed") << "m.npy" << QByteArray("1,2,3\n") << ma << "wrong magic bytes" << -1;
    QTest::newRow("only the magic") << "m.npy" << bytes("\x93NUMPY\x01") << tr << "ends inside the .npy preamble" << -1;
    QTest::newRow("header length beyond the file")
        << "m.npy" << bytes("\x93NUMPY\x01\x00\xe8\x03{'descr': '<f8'") << tr << "declares a header of 1000 bytes" << -1;
    QTest::newRow("v2 header length beyond the file")
        << "m.npy" << bytes("\x93NUMPY\x02\x00\xff\xff\xff\x7f{}") << tr << "declares a header of 2147483647 bytes" << -1;
    QTest::newRow("truncated data") << "m.npy" << npy("<f8", "(2, 3)", f8x6.left(40)) << tr
                                    << "(48 bytes) but only 40 bytes of data follow" << -1;
    QTest::newRow("no data at all") << "m.npy" << npy("<f4", "(2, 3)", QByteArray()) << tr
                                    << "declares 2 x 3 float32 values (24 bytes) but only 0" << -1;
    QTest::newRow("bytes after the data") << "m.npy" << npy("<f8", "(2, 3)", f8x6 + "12345678") << ma
                                          << "has 8 bytes after the data" << -1;
    QTest::newRow("absurd shape 1e9 x 1e9") << "m.npy" << npy("<f8", "(1000000000, 1000000000)", f8x6) << tl
                                            << "declares 1000000000 x 1000000000 values, more than the memory budget"
                                            << -1;
    QTest::newRow("shape product overflows 64 bits")
        << "m.npy" << npy("<f8", "(4294967296, 4294967296, 4)", f8x6) << tl << "more than the memory budget" << -1;
    QTest::newRow("dimension beyond 2^64") << "m.npy" << npy("<f8", "(99999999999999999999999, 2)", f8x6) << tl
                                           << "beyond 2^64" << -1;
    QTest::newRow("complex128") << "m.npy" << npy("<c16", "(2, 3)", f8x6 + f8x6) << un << "\"<c16\" (complex)"
                                << -1;
    QTest::newRow("object dtype") << "m.npy" << npy("|O", "(2, 3)", f8x6) << un << "Python objects" << -1;
    QTest::newRow("unicode strings") << "m.npy" << npy("<U5", "(2, 3)", f8x6) << un << "(text)" << -1;
    QTest::newRow("datetime64") << "m.npy" << npy("<M8[ns]", "(2, 3)", f8x6) << un << "dates" << -1;
    QTest::newRow("structured dtype")
        << "m.npy"
        << npyFile("{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }",
                   QByteArray(24, '\0'))
        << un << "structured dtype" << -1;
    QTest::newRow("unknown dtype") << "m.npy" << npy("<x4", "(2, 3)", f8x6) << ma << "unknown dtype" << -1;
    QTest::newRow("0-D scalar") << "m.npy" << npy("<f8", "()", f8x6.left(8)) << un << "0-dimensional" << -1;
    QTest::newRow("empty 0 x 3") << "m.npy" << npy("<f8", "(0, 3)", QByteArray()) << em << "empty 0 x 3 array" << -1;
    QTest::newRow("negative dimension") << "m.npy" << npy("<f8", "(-2, 3)", f8x6) << ma << "negative" << -1;
    QTest::newRow("header syntax error") << "m.npy"
                                         << npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3}", f8x6)
                                         << ma << "unreadable .npy header" << -1;
    QTest::newRow("header without shape") << "m.npy" << npyFile("{'descr': '<f8', 'fortran_order': False}", f8x6)
                                          << ma << "without 'shape'" << -1;
    QTest::newRow("header is a list") << "m.npy" << npyFile("['<f8', False, (2, 3)]", f8x6) << ma
                                      << "not a dictionary" << -1;
    QTest::newRow("fortran_order not a bool") << "m.npy"
                                              << npyFile("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3)}", f8x6)
                                              << ma << "'fortran_order' is not True or False" << -1;
    QTest::newRow("hostile nesting") << "m.npy" << npyFile(QByteArray(5000, '(') + QByteArray(5000, ')'), f8x6) << ma
                                     << "nests too deeply" << -1;
    QTest::newRow("NUL in header") << "m.npy" << npyFile(bytes("{'descr': '<f8'\0}"), f8x6) << ma << "not text" << -1;
    QTest::newRow("format version 9") << "m.npy" << bytes("\x93NUMPY\x09\x00\x10\x00{}              ") << un
                                      << "version 9.0" << -1;
    QTest::newRow("NaN, C order") << "m.npy" << npy("<f8", "(2, 3)", encodeAll({1, 2, 3, 4, 5, nan}, 'f', 8, false))
                                  << nf << "value at row 2, column 3 is NaN" << -1;
    QTest::newRow("-Inf float32, Fortran order")
        << "m.npy" << npy("<f4", "(2, 3)", encodeAll({1, -inf, 3, 4, 5, 6}, 'f', 4, false), true) << nf
        << "value at row 2, column 1 is -Inf" << -1;
    QTest::newRow("Inf big-endian") << "m.npy" << npy(">f8", "(2, 2)", encodeAll({1, 2, inf, 4}, 'f', 8, true)) << nf
                                    << "value at row 2, column 1 is Inf" << -1;
    // Fortran storage puts (2,1) before (1,2); reading order (row first) reports (1,2).
    QTest::newRow("first in reading order, not storage order")
        << "m.npy" << npy("<f8", "(2, 2)", encodeAll({0, nan, inf, 0}, 'f', 8, false), true) << nf
        << "value at row 1, column 2 is Inf" << -1;
    QTest::newRow("NaN in channel 3") << "m.npy"
                                      << npy("<f8", "(1, 2, 3)", encodeAll({0, 0, 0, 0, 0, nan}, 'f', 8, false)) << nf
                                      << "value at row 1, column 2, channel 3 is NaN" << -1;
}

void TestMatrixIo::badCsv_data()
{
    addBadColumns();
    const int ra = int(LoadErrorKind::Ragged), nn = int(LoadErrorKind::NonNumeric), nf = int(LoadErrorKind::NonFinite),
              em = int(LoadErrorKind::Empty), ma = int(LoadErrorKind::Malformed);
    QTest::newRow("ragged, short row") << "m.csv" << QByteArray("1,2,3\n4,5\n") << ra
                                       << "line 2 has 2 values where line 1 has 3" << 2;
    QTest::newRow("ragged, long row") << "m.csv" << QByteArray("1,2\n3,4\n5,6,7\n") << ra
                                      << "line 3 has 3 values where line 1 has 2" << 3;
    QTest::newRow("ragged after header and comments")
        << "m.csv" << QByteArray("# c\nx,y\n1,2\n\n3\n") << ra << "line 5 has 1 value where line 3 has 2" << 5;
    QTest::newRow("ragged tsv") << "m.tsv" << QByteArray("1\t2\n3\t4\t5\n") << ra << "line 2 has 3 values" << 2;
    QTest::newRow("ragged whitespace") << "m.txt" << QByteArray("1 2 3\n4 5 6\n7 8\n") << ra
                                       << "line 3 has 2 values where line 1 has 3" << 3;
    QTest::newRow("non-numeric cell") << "m.csv" << QByteArray("1,2\n3,abc\n") << nn
                                      << "line 2, column 2 is not a number: \"abc\"" << 2;
    QTest::newRow("long non-numeric cell is cut")
        << "m.csv" << QByteArray("1,2\n3,abcdefghijklmnopqrstuvwxyz\n") << nn << "\"abcdefghijklmnopqrst...\"" << 2;
    QTest::newRow("invalid UTF-8 is masked") << "m.csv" << QByteArray("1,2\n3,\xff\xfe\n") << nn
                                             << "is not a number: \"??\"" << 2;
    QTest::newRow("empty cell") << "m.csv" << QByteArray("1,,3\n4,5,6\n") << nn << "line 1, column 2 is empty" << 1;
    QTest::newRow("empty cell after header") << "m.csv" << QByteArray("a,b,c\n1,2,3\n4,\"\",6\n") << nn
                                             << "line 3, column 2 is empty" << 3;
    QTest::newRow("text file") << "m.txt" << QByteArray("hello world\nfoo bar\n") << nn
                               << "line 1, column 1 is not a number: \"hello\"" << 1;
    QTest::newRow("NaN") << "m.csv" << QByteArray("1,2\n3,NaN\n") << nf << "value at row 2, column 2 (line 2) is NaN"
                         << 2;
    QTest::newRow("nan lower case after header") << "m.csv" << QByteArray("a,b\n1,nan\n") << nf
                                                 << "value at row 1, column 2 (line 2) is NaN" << 2;
    QTest::newRow("inf") << "m.tsv" << QByteArray("1\tinf\n") << nf << "row 1, column 2 (line 1) is Inf" << 1;
    QTest::newRow("-Infinity") << "m.txt" << QByteArray("1 2\n-Infinity 3\n") << nf << "row 2, column 1 (line 2) is -Inf"
                               << 2;
    QTest::newRow("overflow 1e999") << "m.csv" << QByteArray("1,1e999\n") << nf << "\"1e999\", beyond the range" << 1;
    QTest::newRow("only a header") << "m.csv" << QByteArray("a,b,c\n") << em << "has a header row but no numbers" << -1;
    QTest::newRow("only comments") << "m.csv" << QByteArray("# nothing\n# here\n") << em << "contains no numbers" << -1;
    QTest::newRow("only blank lines") << "m.csv" << QByteArray("\n\n  \r\n") << em << "contains no numbers" << -1;
    QTest::newRow("only empty cells") << "m.csv" << QByteArray(",,\n,,\n") << em << "contains no numbers" << -1;
    QTest::newRow("binary data") << "m.csv" << bytes("1,2\n\0\x01\x02\n") << ma << "binary data: a NUL byte on line 2" << 2;
    QTest::newRow("npy renamed .csv") << "m.csv" << npyFile(npyDict("<f8", false, "(1, 1)"), QByteArray(8, '\0')) << ma
                                      << "is not a text table" << 1;
}

void TestMatrixIo::badMtx_data()
{
    addBadColumns();
    const int ma = int(LoadErrorKind::Malformed), un = int(LoadErrorKind::Unsupported),
              tl = int(LoadErrorKind::TooLarge), tr = int(LoadErrorKind::Truncated), nn = int(LoadErrorKind::NonNumeric),
              nf = int(LoadErrorKind::NonFinite), em = int(LoadErrorKind::Empty);
    const QByteArray co = "%%MatrixMarket matrix coordinate real general\n";
    const QByteArray ar = "%%MatrixMarket matrix array real general\n";
    QTest::newRow("no banner") << "m.mtx" << QByteArray("2 2 1\n1 1 1\n") << ma << "does not start with %%MatrixMarket"
                               << 1;
    QTest::newRow("incomplete banner") << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate\n1 1 0\n") << ma
                                       << "incomplete Matrix Market banner" << 1;
    QTest::newRow("vector object") << "m.mtx" << QByteArray("%%MatrixMarket vector coordinate real general\n") << un
                                   << "only matrices are read" << 1;
    QTest::newRow("complex field") << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate complex general\n") << un
                                   << "complex values" << 1;
    QTest::newRow("hermitian") << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real hermitian\n") << un
                               << "Hermitian" << 1;
    QTest::newRow("unknown field") << "m.mtx" << QByteArray("%%MatrixMarket matrix array quaternion general\n") << ma
                                   << "unknown Matrix Market field \"quaternion\"" << 1;
    QTest::newRow("array pattern") << "m.mtx" << QByteArray("%%MatrixMarket matrix array pattern general\n1 1\n") << ma
                                   << "'array' with 'pattern'" << 1;
    QTest::newRow("absurd array 1e9 x 1e9") << "m.mtx" << ar + "1000000000 1000000000\n1\n" << tl
                                            << "declares 1000000000 x 1000000000 values, more than the memory budget"
                                            << 2;
    QTest::newRow("absurd coordinate 1e9 x 1e9") << "m.mtx" << co + "1000000000 1000000000 1\n1 1 1\n" << tl
                                                 << "1000000000 x 1000000000 values" << 2;
    QTest::newRow("rows x cols overflow") << "m.mtx" << co + "18446744073709551615 18446744073709551615 1\n1 1 1\n"
                                          << tl << "more than the memory budget" << 2;
    QTest::newRow("size beyond 64 bits") << "m.mtx" << co + "99999999999999999999999 2 1\n" << ma
                                         << "should hold the sizes" << 2;
    QTest::newRow("absurd entry count") << "m.mtx" << co + "1000 1000 1000000\n1 1 1\n" << tr
                                        << "declares 1000000 entries but only 6 bytes follow" << 2;
    QTest::newRow("entries but no room for them") << "m.mtx" << co + "2 2 5\n" << tr
                                                  << "declares 5 entries but only 0 bytes follow" << 2;
    QTest::newRow("fewer entries than declared") << "m.mtx" << co + "3 3 3\n1 1 1\n2 2 2\n% padding padding padding\n"
                                                 << tr << "declares 3 entries but has only 2" << -1;
    QTest::newRow("more entries than declared") << "m.mtx" << co + "2 2 1\n1 1 1\n2 2 2\n" << ma
                                                << "more entries than the 1 it declares (line 4)" << 4;
    QTest::newRow("row index out of range") << "m.mtx" << co + "2 2 1\n3 1 1.0\n" << ma
                                            << "line 3: the row index 3 is outside 1..2" << 3;
    QTest::newRow("zero column index") << "m.mtx" << co + "2 2 1\n1 0 1.0\n" << ma
                                       << "the column index 0 is outside 1..2" << 3;
    QTest::newRow("negative index") << "m.mtx" << co + "2 2 1\n-1 1 1.0\n" << ma
                                    << "row index \"-1\" is not a positive integer" << 3;
    QTest::newRow("non-numeric value") << "m.mtx" << co + "2 2 1\n1 1 abc\n" << nn << "the value \"abc\" is not a number"
                                       << 3;
    QTest::newRow("NaN value") << "m.mtx" << co + "2 2 1\n1 2 nan\n" << nf << "value at row 1, column 2 (line 3) is NaN"
                               << 3;
    QTest::newRow("Inf in array") << "m.mtx" << ar + "2 1\n1\n-inf\n" << nf << "value at row 2, column 1 (line 4) is -Inf"
                                  << 4;
    QTest::newRow("sum of duplicates overflows") << "m.mtx" << co + "1 1 2\n1 1 1e308\n1 1 1e308\n" << nf
                                                 << "value at row 1, column 1 is Inf" << -1;
    QTest::newRow("missing value field") << "m.mtx" << co + "2 2 1\n1 1\n% pad\n" << ma
                                         << "line 3 has 2 fields where an entry has 3" << 3;
    QTest::newRow("array fewer values") << "m.mtx" << ar + "2 2\n1\n2\n3\n% padding\n" << tr
                                        << "declares 4 values but has only 3" << -1;
    QTest::newRow("array more values") << "m.mtx" << ar + "1 2\n1\n2\n3\n" << ma << "more values than the 2 it declares"
                                       << 5;
    QTest::newRow("symmetric but not square")
        << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n") << ma
        << "only a square one can be" << 2;
    QTest::newRow("skew-symmetric diagonal entry")
        << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 4\n") << ma
        << "diagonal of a skew-symmetric matrix" << 3;
    QTest::newRow("no size line") << "m.mtx" << ar + "% only comments\n" << tr << "ends before its size line" << -1;
    QTest::newRow("malformed size line") << "m.mtx" << ar + "2 x\n" << ma << "line 2 should hold the sizes" << 2;
    QTest::newRow("empty 0 x 3") << "m.mtx" << ar + "0 3\n" << em << "declares an empty 0 x 3 matrix" << 2;
    QTest::newRow("CSV renamed .mtx") << "m.mtx" << QByteArray("1,2\n3,4\n") << ma << "is not a Matrix Market file" << 1;
}

void TestMatrixIo::badMat_data()
{
    addBadColumns();
    const int ma = int(LoadErrorKind::Malformed), un = int(LoadErrorKind::Unsupported),
              tl = int(LoadErrorKind::TooLarge), tr = int(LoadErrorKind::Truncated), nf = int(LoadErrorKind::NonFinite),
              em = int(LoadErrorKind::Empty);
    QTest::newRow("not a mat file") << "m.mat" << QByteArray("garbage garbage garbage garbage\n") << ma
                                    << "is not a MATLAB .mat file matio can read" << -1;
    QTest::newRow("npy renamed .mat") << "m.mat" << npyFile(npyDict("<f8", false, "(1, 1)"), QByteArray(8, '\0')) << ma
                                      << "is not a MATLAB .mat file" << -1;
    QTest::newRow("no variables") << "m.mat" << matBytes(MAT_FT_MAT5, {}) << em << "contains no variables" << -1;
    QTest::newRow("only empty variables") << "m.mat" << matBytes(MAT_FT_MAT5, {numericVar("e", MAT_C_DOUBLE, {0, 0}, {})})
                                          << em << "m.mat::e: is empty (0 x 0)" << -1;
    QTest::newRow("only unsupported variables")
        << "m.mat"
        << matBytes(MAT_FT_MAT5, {otherVar("z", MatVar::Complex), otherVar("s", MatVar::Struct),
                                  otherVar("c", MatVar::Cell), otherVar("t", MatVar::Char),
                                  otherVar("sp", MatVar::Sparse)})
        << un << "has no array that can be loaded: z (is a complex double variable, not a real numeric array), s (is a "
              "struct variable"
        << -1;
    QTest::newRow("NaN in double")
        << "m.mat"
        << matBytes(MAT_FT_MAT5, {numericVar("A", MAT_C_DOUBLE, {2, 2}, {1, std::nan(""), 3, 4})}) << nf
        << "value at row 2, column 1 is NaN" << -1;
    QTest::newRow("Inf in single, compressed")
        << "m.mat"
        << matBytes(MAT_FT_MAT5, {numericVar("A", MAT_C_SINGLE, {2, 2}, {1, 2, HUGE_VAL, 4})}, true) << nf
        << "value at row 1, column 2 is Inf" << -1;
    // Uncompressed v5: 128-byte header, miMATRIX tag (8), array flags (16), dimensions tag (8), then
    // the two int32 dimensions at offset 160. Claim 10^9 × 10^9.
    QByteArray huge = matBytes(MAT_FT_MAT5, {numericVar("A", MAT_C_DOUBLE, {2, 2}, {1, 2, 3, 4})});
    if (huge.size() > 168) {
        const qint32 d = 1000000000;
        std::memcpy(huge.data() + 160, &d, 4);
        std::memcpy(huge.data() + 164, &d, 4);
    }
    QTest::newRow("absurd dimensions") << "m.mat" << huge << tl
                                       << "m.mat::A: has 1000000000 x 1000000000 values, more than the memory budget"
                                       << -1;
    Matrix g = test::gaussian(50, 40, 41);
    const std::vector<double> gv(g.data(), g.data() + g.size());
    QTest::newRow("truncated v5") << "m.mat"
                                  << matBytes(MAT_FT_MAT5, {numericVar("A", MAT_C_DOUBLE, {50, 40}, gv)}).left(4000)
                                  << tr << "is truncated: variable 1 declares" << -1;
    QTest::newRow("truncated compressed v5")
        << "m.mat" << matBytes(MAT_FT_MAT5, {numericVar("A", MAT_C_DOUBLE, {50, 40}, gv)}, true).left(3000) << tr
        << "is truncated" << -1;
    QTest::newRow("truncated v5 header") << "m.mat" << QByteArray("MATLAB 5.0 MAT-file, Platform: x") << ma
                                         << "is not a MATLAB .mat file" << -1;
    if (m_haveMat73) {
        QTest::newRow("truncated v7.3")
            << "m.mat" << matBytes(MAT_FT_MAT73, {numericVar("A", MAT_C_DOUBLE, {50, 40}, gv)}).left(3000) << ma
            << "is a MATLAB v7.3 (HDF5) file that cannot be read" << -1;
        // HDF5 may store a v7.3 variable compressed, where the layout check cannot see it: its
        // raw size is held to the inflate limit, max(64 MiB, 256 x the file's size). A 3.4 KB
        // file whose dataspace (HDF5 dims 3, 2) is patched to 5000 x 5000 declares 200 MB.
        QByteArray patched = matBytes(MAT_FT_MAT73, {numericVar("A", MAT_C_DOUBLE, {2, 3}, {1, 2, 3, 4, 5, 6})});
        const QByteArray dims32 = QByteArray::fromHex("03000000000000000200000000000000");
        const QByteArray dims5000 = QByteArray::fromHex("88130000000000008813000000000000");
        QVERIFY(patched.contains(dims32));
        patched.replace(dims32, dims5000);
        QTest::newRow("v7.3 declaring more than the inflate limit")
            << "m.mat" << patched << tl
            << "m.mat::A: has 5000 x 5000 double values (200000000 bytes); the values of a" << -1;
        QTest::newRow("v7.3 complex only")
            << "m.mat" << matBytes(MAT_FT_MAT73, {otherVar("z", MatVar::Complex)}) << un << "m.mat::z: is a complex double variable" << -1;
    }
    // Issue 13: hostile files of a few hundred bytes that crashed matio, made it allocate
    // gigabytes, spin for seconds or return uninitialised values. The layout check refuses them
    // before matio sees them.
    {
        std::vector<double> values(400);
        for (std::size_t k = 0; k < values.size(); ++k)
            values[k] = std::sin(double(k)) * 1e3; // compresses little
        const QByteArray a = doubleArray("A", {20, 20}, values);
        QByteArray stream = qCompress(a).mid(4);
        stream.chop(stream.size() / 2); // the stream ends inside the values, the element agrees
        QTest::newRow("compressed stream truncated, element consistent")
            << "m.mat" << v5Header() + element(15, stream, false) << tr
            << "is truncated: the compressed data of variable 1 ('A') ends inside its values" << -1;
        QByteArray corrupt = qCompress(a).mid(4);
        for (int k = 10; k < 30; ++k)
            corrupt[k] = char(corrupt[k] ^ 0x55);
        QTest::newRow("compressed stream corrupt")
            << "m.mat" << v5Header() + element(15, corrupt, false) << ma << "its compressed data is corrupt (zlib:" << -1;
        QTest::newRow("compressed stream longer than its array")
            << "m.mat" << v5Header() + compressedElement(a + QByteArray(64, '\0')) << ma
            << "expands to more than the variable it holds" << -1;
    }
    QTest::newRow("16384 x 16384 declared, 4 values held")
        << "m.mat" << v5Header() + compressedElement(doubleArray("A", {16384, 16384}, {1, 2, 3, 4})) << tl
        << "m.mat::A: has 16384 x 16384 values, more than the memory budget" << -1;
    QTest::newRow("3 x 3 declared, 4 values held")
        << "m.mat" << v5Header() + doubleArray("A", {3, 3}, {1, 2, 3, 4}) << tr
        << "variable 'A' holds fewer values than its dimensions declare (32 bytes where 3 x 3 need 72)" << -1;
    {
        // A zlib bomb's head: the compressed array declares 4 GiB.
        QByteArray head = le32(14) + le32(0xfffffff8u) + element(6, le32(6) + le32(0));
        QTest::newRow("compressed array declaring 4 GiB")
            << "m.mat" << v5Header() + compressedElement(head) << tl << "may expand to at most 64.0 MiB" << -1;
    }
    {
        // A 10^6 x 10^6 struct array of one field, holding no values (matio loops over them).
        const QByteArray fields = element(5, le32(32)) + element(1, QByteArray("f").leftJustified(32, '\0'));
        QTest::newRow("struct declaring 10^12 elements")
            << "m.mat" << v5Header() + arrayElement(2, {1000000, 1000000}, "s", fields) << ma
            << "declares 1000000000000 field values but holds room for at most 0" << -1;
        QByteArray nested = doubleArray("", {1, 1}, {1});
        for (int depth = 0; depth < 40; ++depth)
            nested = arrayElement(1, {1, 1}, depth == 39 ? "c" : "", nested);
        QTest::newRow("cells nested 40 deep") << "m.mat" << v5Header() + nested << un
                                             << "variable 1 ('c') nests cells or structs more than 32 levels deep" << -1;
        QByteArray ok = doubleArray("", {1, 1}, {1});
        for (int depth = 0; depth < 10; ++depth)
            ok = arrayElement(1, {1, 1}, depth == 9 ? "c" : "", ok);
        QTest::newRow("cells nested 10 deep are skipped, the matrix read")
            << "m.mat" << v5Header() + ok + doubleArray("B", {2, 2}, {1, 2, 3, std::nan("")}) << nf
            << "value at row 2, column 2 is NaN" << -1;
    }
    // Names come from the file: a newline or invalid UTF-8 in one must not break the one-line message.
    QTest::newRow("variable name with a newline and invalid UTF-8")
        << "m.mat" << v5Header() + arrayElement(1, {1, 1}, QByteArray("line\nbreak\xff"), element(14, QByteArray()))
        << un << "m.mat::line?break?: is a cell variable, not a real numeric array" << -1;
    QTest::newRow("unknown array class") << "m.mat" << v5Header() + arrayElement(42, {1, 1}, "x", QByteArray()) << ma
                                         << "variable 1 is damaged: it has the unknown array class 42" << -1;
    QTest::newRow("data element where a variable should be")
        << "m.mat" << v5Header() + element(9, QByteArray(16, '\0')) << ma << "has a data element of type 9 at byte 128"
        << -1;
    // Fuzzing campaign findings (tests/fuzz/regressions/mat/).
    QTest::newRow("fuzz: v7.3 file on which HDF5 segfaults inside matio")
        << "m.mat" << regressionFile("mat", "v73-hdf5-segfault.mat") << ma
        << "is not a readable MATLAB file: the MATLAB reader (matio) " << -1;
    QTest::newRow("fuzz: function handle with a negative dimension (matio allocated 206 GB)")
        << "m.mat" << regressionFile("mat", "function-handle-negative-dimension.mat") << ma
        << "variable 1 is damaged: it has the negative dimension -131069" << -1;
    QTest::newRow("truncated v4") << "m.mat"
                                  << matBytes(MAT_FT_MAT4, {numericVar("A", MAT_C_DOUBLE, {50, 40}, gv)}).left(3000)
                                  << tr << "is truncated: variable 1 declares 16002 bytes but only 2980 follow" << -1;
}

void TestMatrixIo::unreadableFile()
{
#if defined(__linux__)
    const QString path = freshDir() + QStringLiteral("/locked.csv");
    QVERIFY(writeBytes(path, "1,2\n"));
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0) == 0);
    if (std::FILE *f = std::fopen(QFile::encodeName(path).constData(), "rb")) {
        std::fclose(f);
        QSKIP("running with privileges that read any file (root)");
    }
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY(!r.ok());
    QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind::Unreadable));
    const std::string message = core::describeLoadError(str(path), r.error);
    QVERIFY2(message.find("locked.csv: cannot be opened (Permission denied)") != std::string::npos, message.c_str());
#else
    QSKIP("POSIX permissions only");
#endif
}

void TestMatrixIo::notARegularFile_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("errorKind");
    QTest::addColumn<QString>("fragment");
    const int na = int(LoadErrorKind::NotAFile), nf = int(LoadErrorKind::NotFound), ur = int(LoadErrorKind::Unreadable);
    // A FIFO would block a naive reader forever; it must be named, never opened.
    QTest::newRow("FIFO named .csv") << "fifo.csv" << na << "is a named pipe (FIFO), not a regular file";
    QTest::newRow("FIFO without extension") << "fifo" << na << "is a named pipe (FIFO), not a regular file";
    // The readers that open the file by name (libzip, mmap, matio in its child) are behind the
    // same check: a FIFO named like them is never opened either, and neither listed.
    QTest::newRow("FIFO named .npz") << "fifo.npz" << na << "is a named pipe (FIFO), not a regular file";
    QTest::newRow("FIFO named .safetensors") << "fifo.safetensors" << na << "is a named pipe (FIFO), not a regular file";
    QTest::newRow("FIFO named .mat") << "fifo.mat" << na << "is a named pipe (FIFO), not a regular file";
    QTest::newRow("/dev/zero") << "/dev/zero" << na << "is a character device, not a regular file";
    QTest::newRow("/dev/null") << "/dev/null" << na << "is a character device, not a regular file";
    QTest::newRow("symbolic link loop") << "loop.npy" << ur
                                        << "is a symbolic link loop (too many levels of symbolic links)";
    QTest::newRow("dangling symbolic link") << "dangling.mtx" << nf
                                            << "is a symbolic link to a file that does not exist";
    QTest::newRow("directory") << "dir" << na << "is a directory, not a file";
    QTest::newRow("socket") << "socket.mat" << na << "is a socket, not a regular file";
}

void TestMatrixIo::notARegularFile()
{
#if defined(__linux__)
    QFETCH(QString, kind);
    QFETCH(int, errorKind);
    QFETCH(QString, fragment);
    const QString dir = freshDir();
    QString path = kind.startsWith(QLatin1Char('/')) ? kind : dir + QLatin1Char('/') + kind;
    const QByteArray native = QFile::encodeName(path);
    if (kind.startsWith(QStringLiteral("fifo"))) {
        QVERIFY(::mkfifo(native.constData(), 0600) == 0);
    } else if (kind == QStringLiteral("loop.npy")) {
        QVERIFY(QFile::link(dir + QStringLiteral("/other.npy"), path));
        QVERIFY(QFile::link(path, dir + QStringLiteral("/other.npy")));
    } else if (kind == QStringLiteral("dangling.mtx")) {
        QVERIFY(QFile::link(dir + QStringLiteral("/gone.mtx"), path));
    } else if (kind == QStringLiteral("dir")) {
        QVERIFY(QDir().mkpath(path));
    } else if (kind == QStringLiteral("socket.mat")) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        QVERIFY(fd >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (native.size() >= int(sizeof address.sun_path)) {
            ::close(fd);
            QSKIP("temporary path too long for a socket");
        }
        std::memcpy(address.sun_path, native.constData(), std::size_t(native.size()));
        QVERIFY(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
        ::close(fd);
    }
    const std::optional<core::LoadError> checked = core::checkRegularFile(str(path));
    QVERIFY(checked.has_value());
    QCOMPARE(kindName(checked->kind), kindName(LoadErrorKind(errorKind)));
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY(!r.ok());
    QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind(errorKind)));
    const std::string message = core::describeLoadError(str(path), r.error);
    QVERIFY2(message.find(str(fragment)) != std::string::npos, message.c_str());
    QVERIFY2(message.rfind(str(path) + ": ", 0) == 0, message.c_str());
    const core::ListResult listed = core::listTensors(str(path));
    QVERIFY(!listed.ok());
    QCOMPARE(kindName(listed.error.kind), kindName(LoadErrorKind(errorKind)));
    const std::string listMessage = core::describeLoadError(str(path), listed.error);
    QVERIFY2(listMessage.find(str(fragment)) != std::string::npos, listMessage.c_str());
#else
    QSKIP("POSIX special files only");
#endif
}

// --- sizes ----------------------------------------------------------------------------------------

void TestMatrixIo::budgetIsEnforced_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("fragment");
    // Budget: 10 values (80 bytes). Each file holds 12.
    QTest::newRow("npy") << "m.npy" << npyFile(npyDict("<f8", false, "(3, 4)"), QByteArray(96, '\0'))
                         << "declares 3 x 4 values, more than the memory budget of 80 bytes";
    QTest::newRow("npy 3-D") << "m.npy" << npyFile(npyDict("|u1", false, "(2, 2, 3)"), QByteArray(12, '\0'))
                             << "declares 2 x 2 x 3 values";
    QTest::newRow("csv") << "m.csv" << QByteArray("1,2,3\n4,5,6\n7,8,9\n1,2,3\n")
                         << "has more than 10 values, more than the memory budget of 80 bytes";
    QTest::newRow("csv one wide row") << "m.csv" << QByteArray("1,2,3,4,5,6,7,8,9,10,11,12\n") << "line 1 has 12 values";
    QTest::newRow("mtx array") << "m.mtx" << QByteArray("%%MatrixMarket matrix array real general\n3 4\n")
                                      + QByteArray("1\n").repeated(12)
                               << "declares 3 x 4 values";
    QTest::newRow("mtx coordinate") << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real general\n3 4 0\n")
                                    << "declares 3 x 4 values";
    QTest::newRow("mat") << "m.mat"
                         << matBytes(MAT_FT_MAT5, {numericVar("A", MAT_C_DOUBLE, {3, 4}, std::vector<double>(12, 1.0))})
                         << "m.mat::A: has 3 x 4 values";
}

void TestMatrixIo::budgetIsEnforced()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(QString, fragment);
    const QString path = freshDir() + QLatin1Char('/') + fileName;
    QVERIFY(writeBytes(path, content));
    core::LoadLimits limits;
    limits.maxElements = 10;
    const LoadResult r = core::loadMatrixFile(str(path), limits);
    QVERIFY(!r.ok());
    QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind::TooLarge));
    const std::string message = core::describeLoadError(str(path), r.error);
    QVERIFY2(message.find(str(fragment)) != std::string::npos, message.c_str());
    // The same file loads under a budget of 12.
    limits.maxElements = 12;
    const LoadResult fits = core::loadMatrixFile(str(path), limits);
    QVERIFY2(fits.ok(), core::describeLoadError(str(path), fits.error).c_str());
}

void TestMatrixIo::absurdSizesRefusedQuickly_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("kind");
    const int tl = int(LoadErrorKind::TooLarge), tr = int(LoadErrorKind::Truncated);
    QTest::newRow("npy 1e9 x 1e9") << "m.npy" << npyFile(npyDict("<f8", false, "(1000000000, 1000000000)"), "x") << tl;
    QTest::newRow("npy 1e9 x 1e9 x 3 uint8") << "m.npy"
                                             << npyFile(npyDict("|u1", false, "(1000000000, 1000000000, 3)"), "x") << tl;
    QTest::newRow("npy just over the default budget")
        << "m.npy" << npyFile(npyDict("<f8", false, "(268435457, 1)"), "x") << tl;
    QTest::newRow("mtx array 1e9 x 1e9") << "m.mtx"
                                         << QByteArray("%%MatrixMarket matrix array real general\n1000000000 1000000000\n")
                                         << tl;
    QTest::newRow("mtx coordinate 1e9 x 1e9")
        << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real general\n1000000000 1000000000 5\n1 1 1\n") << tl;
    QTest::newRow("mtx coordinate 1e12 entries")
        << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real general\n10000 10000 1000000000000\n1 1 1\n")
        << tr;
    // Issue 13: 66 bytes declaring a 16384 x 16384 dense target (2 GiB, within the default budget)
    // and an entry they do not hold: refused before the dense matrix is allocated.
    QTest::newRow("mtx coordinate 16384 x 16384, entry missing")
        << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real general\n16384 16384 2\n1 1 1\n") << tr;
    QTest::newRow("mtx coordinate 16384 x 16384, bad index")
        << "m.mtx" << QByteArray("%%MatrixMarket matrix coordinate real general\n16384 16384 1\n0 1 1\n")
        << int(LoadErrorKind::Malformed);
    QByteArray huge = matBytes(MAT_FT_MAT5, {numericVar("A", MAT_C_DOUBLE, {2, 2}, {1, 2, 3, 4})});
    if (huge.size() > 168) {
        const qint32 d = 1000000000;
        std::memcpy(huge.data() + 160, &d, 4);
        std::memcpy(huge.data() + 164, &d, 4);
    }
    QTest::newRow("mat 1e9 x 1e9") << "m.mat" << huge << tl;
    // Issue 13: 179 bytes that matio read as a 16384 x 16384 matrix of zeros after allocating
    // 2.1 GB, and a zlib bomb's head.
    QTest::newRow("mat compressed 16384 x 16384 declared")
        << "m.mat" << v5Header() + compressedElement(doubleArray("A", {16384, 16384}, {1, 2, 3, 4})) << tl;
    QTest::newRow("mat compressed array declaring 4 GiB")
        << "m.mat" << v5Header() + compressedElement(le32(14) + le32(0xfffffff8u) + element(6, le32(6) + le32(0)))
        << tl;
}

void TestMatrixIo::absurdSizesRefusedQuickly()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(int, kind);
    const QString path = freshDir() + QLatin1Char('/') + fileName;
    QVERIFY(writeBytes(path, content));
    LoadResult r;
    QElapsedTimer timer;
    timer.start();
    {
#if defined(__linux__)
        // With 256 MiB of address space to spare, any attempt to allocate the declared size fails
        // (and would surface as "does not fit in the memory available", not the budget message).
        AddressSpaceCap cap(std::uint64_t(256) << 20);
        if (!cap.active())
            qWarning("could not cap the address space; the no-allocation check is weaker");
#endif
        try {
            r = core::loadMatrixFile(str(path)); // default limits
        } catch (...) {
            QFAIL("loadMatrixFile threw");
        }
    }
    const qint64 ms = timer.elapsed();
    QVERIFY(!r.ok());
    QCOMPARE(kindName(r.error.kind), kindName(LoadErrorKind(kind)));
    const std::string message = core::describeLoadError(str(path), r.error);
    QVERIFY2(message.find("does not fit in the memory available") == std::string::npos, message.c_str());
    if (kind == int(LoadErrorKind::TooLarge))
        QVERIFY2(message.find("more than the memory budget") != std::string::npos
                     || message.find("may expand to at most") != std::string::npos, // the inflate limit
                 message.c_str());
    QVERIFY2(ms < 1000, qPrintable(QStringLiteral("took %1 ms").arg(ms)));
}

// Issue 13: a 100 MB one-line CSV peaked at 2.1 GB (a list of cells, a copy of the values and
// the matrix). The readers now keep no list and fill the matrix in a second pass: 8 million values
// on one line load within 256 MiB of address space (the matrix is 64 MiB, the line 16 MiB).
void TestMatrixIo::oneLineTextNeedsNoCellList_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("separator");
    QTest::addColumn<QString>("prefix");
    QTest::newRow("csv") << "m.csv" << "," << "";
    QTest::newRow("whitespace") << "m.txt" << " " << "";
    QTest::newRow("mtx array") << "m.mtx" << " " << "%%MatrixMarket matrix array real general\n8000000 1\n";
}

void TestMatrixIo::oneLineTextNeedsNoCellList()
{
    QFETCH(QString, fileName);
    QFETCH(QString, separator);
    QFETCH(QString, prefix);
    constexpr int values = 8000000;
    const QString path = freshDir() + QLatin1Char('/') + fileName;
    {
        QByteArray text = prefix.toLatin1();
        text.reserve(2 * values + 64);
        const char sep = separator.toLatin1().at(0);
        for (int k = 0; k < values; ++k) {
            text += char('0' + k % 10);
            text += k + 1 < values ? sep : '\n';
        }
        QVERIFY(writeBytes(path, text));
    }
    LoadResult r;
    {
#if defined(__linux__)
        AddressSpaceCap cap(std::uint64_t(256) << 20);
        if (!cap.active())
            qWarning("could not cap the address space; only the result is checked");
#endif
        r = core::loadMatrixFile(str(path));
    }
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    const Matrix &m = r.matrix->channels[0];
    QCOMPARE(m.size(), Eigen::Index(values));
    QCOMPARE(m(m.rows() - 1, m.cols() - 1), double((values - 1) % 10));
}

// --- atomic writing -------------------------------------------------------------------------------

void TestMatrixIo::atomicWriteFailingCallbackLeavesNothing()
{
    const QString dir = freshDir();
    const QString path = dir + QStringLiteral("/out.csv");
    std::string error;
    const bool ok = core::writeFileAtomically(str(path), [](std::ostream &os) {
        os << "half a file";
        return false;
    }, &error);
    QVERIFY(!ok);
    QVERIFY(!error.empty());
    QVERIFY2(error.find("could not be written") != std::string::npos, error.c_str());
    QVERIFY(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());

    // A stream left failed counts as a failure too, and an existing file is kept intact.
    QVERIFY(writeBytes(path, "precious\n"));
    QVERIFY(!core::writeFileAtomically(str(path), [](std::ostream &os) {
        os << "partial";
        os.setstate(std::ios::badbit);
        return true;
    }, &error));
    QCOMPARE(readBytes(path), QByteArray("precious\n"));
    QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{"out.csv"});
}

void TestMatrixIo::atomicWriteThrowingCallbackLeavesNothing()
{
    const QString dir = freshDir();
    const QString path = dir + QStringLiteral("/out.npy");
    bool caught = false;
    try {
        std::string error;
        core::writeFileAtomically(str(path), [](std::ostream &os) -> bool {
            os << "partial";
            throw std::runtime_error("cancelled");
        }, &error);
    } catch (const std::runtime_error &) {
        caught = true;
    }
    QVERIFY(caught);
    QVERIFY(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
}

void TestMatrixIo::atomicWriteMissingDirectory()
{
    const QString path = freshDir() + QStringLiteral("/no/such/dir/out.csv");
    std::string error;
    QVERIFY(!core::writeFileAtomically(str(path), [](std::ostream &os) { return bool(os << "x"); }, &error));
    QVERIFY2(error.find("cannot create a file in") != std::string::npos, error.c_str());
    QVERIFY2(error.find("No such file or directory") != std::string::npos, error.c_str());
    QVERIFY(!QFileInfo::exists(path));
    // The writers report the same.
    QVERIFY(!core::writeCsv(str(path), Matrix::Ones(2, 2), &error));
    QVERIFY2(error.find("No such file or directory") != std::string::npos, error.c_str());
    QVERIFY(!core::writeNpy(str(path), {Matrix::Ones(2, 2)}, &error));
    QVERIFY2(error.find("No such file or directory") != std::string::npos, error.c_str());
    QVERIFY(!core::writeNpy(str(path), {Matrix::Ones(2, 2)}, nullptr)); // a null error pointer is allowed
}

void TestMatrixIo::atomicWriteReplacesAndKeepsMode()
{
    const QString dir = freshDir();
    const QString path = dir + QStringLiteral("/out.txt");
    QVERIFY(writeBytes(path, "old contents that are longer\n"));
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup);
    std::string error;
    QVERIFY2(core::writeFileAtomically(str(path), [](std::ostream &os) { return bool(os << "new\n"); }, &error),
             error.c_str());
    QCOMPARE(readBytes(path), QByteArray("new\n"));
    QCOMPARE(QFile::permissions(path) & (QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther),
             QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup);
    QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{"out.txt"});
    // A bare file name writes into the current directory.
    const QString old = QDir::currentPath();
    QVERIFY(QDir::setCurrent(dir));
    const bool bare = core::writeFileAtomically("bare.txt", [](std::ostream &os) { return bool(os << "b"); }, &error);
    QDir::setCurrent(old);
    QVERIFY2(bare, error.c_str());
    QCOMPARE(readBytes(dir + QStringLiteral("/bare.txt")), QByteArray("b"));
}

void TestMatrixIo::atomicWriteOntoDirectoryFails()
{
    const QString dir = freshDir();
    const QString target = dir + QStringLiteral("/sub");
    QVERIFY(QDir().mkpath(target + QStringLiteral("/inner")));
    std::string error;
    QVERIFY(!core::writeFileAtomically(str(target), [](std::ostream &os) { return bool(os << "x"); }, &error));
    QVERIFY2(error.find("cannot be replaced") != std::string::npos, error.c_str());
    QVERIFY(QFileInfo(target).isDir());
    QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{"sub"});
}

void TestMatrixIo::writersRefuseBadInput()
{
    const QString dir = freshDir();
    std::string error;
    QVERIFY(!core::writeNpy(str(dir + QStringLiteral("/a.npy")), {}, &error));
    QVERIFY(error.find("no matrix") != std::string::npos);
    QVERIFY(!core::writeNpy(str(dir + QStringLiteral("/b.npy")), {Matrix::Ones(2, 2), Matrix::Ones(2, 3)}, &error));
    QVERIFY(error.find("different shapes") != std::string::npos);
    QVERIFY(!core::writeCsv(str(dir + QStringLiteral("/c.csv")), Matrix(), &error));
    QVERIFY(error.find("no matrix") != std::string::npos);
    QVERIFY(!core::writeFileAtomically("", [](std::ostream &) { return true; }, &error));
    QVERIFY(QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
}

// --- agreement with NumPy / SciPy ----------------------------------------------------------------

void TestMatrixIo::crossCheckWithNumpyAndScipy()
{
    const QString python = QStringLiteral("/usr/bin/python3");
    if (!QFileInfo::exists(python))
        QSKIP("/usr/bin/python3 is not installed");
    const QString dir = freshDir();

    // 1. Ours → NumPy: values v(i,j,c) = 100 i + 10 j + c + 0.5.
    auto pattern = [](int h, int w, int nc) {
        Channels ch(std::size_t(nc), Matrix(h, w));
        for (int c = 0; c < nc; ++c)
            for (int i = 0; i < h; ++i)
                for (int j = 0; j < w; ++j)
                    ch[std::size_t(c)](i, j) = 100 * i + 10 * j + c + 0.5;
        return ch;
    };
    std::string error;
    QVERIFY(core::writeNpy(str(dir + QStringLiteral("/ours_2d.npy")), pattern(3, 5, 1), &error));
    QVERIFY(core::writeNpy(str(dir + QStringLiteral("/ours_3d.npy")), pattern(4, 2, 3), &error));
    QVERIFY(core::writeCsv(str(dir + QStringLiteral("/ours.csv")), pattern(3, 5, 1)[0], &error));

    // 2. NumPy / SciPy → ours: each test file has a float64 C-order reference next to it.
    const QString script = QStringLiteral(R"PY(
import sys, os
try:
    import numpy as np
    import scipy.io, scipy.sparse
except ImportError:
    print("SKIP"); sys.exit(0)
d = sys.argv[1]
def pattern(h, w, c):
    i, j, k = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing='ij')
    a = 100.0 * i + 10 * j + k + 0.5
    return a[:, :, 0] if c == 1 else a
for name, shape in (('ours_2d', (3, 5, 1)), ('ours_3d', (4, 2, 3))):
    a = np.load(os.path.join(d, name + '.npy'))
    assert a.dtype == np.float64 and a.flags.c_contiguous, name
    assert np.array_equal(a, pattern(*shape)), name
c = np.loadtxt(os.path.join(d, 'ours.csv'), delimiter=',')
assert np.array_equal(c, pattern(3, 5, 1)), 'csv'
def save(name, arr):
    np.save(os.path.join(d, 'ref_' + name + '.npy'), np.ascontiguousarray(np.asarray(arr, dtype='<f8')))
base = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 127]])
names = []
for dt in ('?', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'f4', 'f8'):
    for bo in ('<', '>'):
        for order in ('C', 'F'):
            t = np.dtype(dt).newbyteorder(bo)
            a = np.array(base, dtype=t, order=order)
            n = 'npy_%s_%s_%s' % ('b1' if dt == '?' else dt, 'le' if bo == '<' else 'be', order)
            np.save(os.path.join(d, n + '.npy'), a); save(n, a); names.append(n + '.npy')
rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
for order in ('C', 'F'):
    n = 'npy_rgb_' + order
    np.save(os.path.join(d, n + '.npy'), np.array(rgb, order=order)); save(n, rgb); names.append(n + '.npy')
m = np.array([[1.5, -2, 0], [0, 3, 4.25]])
scipy.io.savemat(os.path.join(d, 'sp_v5.mat'), {'M': m}); save('sp_v5', m); names.append('sp_v5.mat')
scipy.io.savemat(os.path.join(d, 'sp_v5c.mat'), {'M': m}, do_compression=True); save('sp_v5c', m); names.append('sp_v5c.mat')
scipy.io.savemat(os.path.join(d, 'sp_v4.mat'), {'M': m}, format='4'); save('sp_v4', m); names.append('sp_v4.mat')
scipy.io.savemat(os.path.join(d, 'sp_i16.mat'), {'M': m.astype(np.int16)}); save('sp_i16', m.astype(np.int16)); names.append('sp_i16.mat')
scipy.io.savemat(os.path.join(d, 'sp_bool.mat'), {'M': m > 1}); save('sp_bool', m > 1); names.append('sp_bool.mat')
scipy.io.savemat(os.path.join(d, 'sp_rgb.mat'), {'img': rgb}); save('sp_rgb', rgb); names.append('sp_rgb.mat')
scipy.io.mmwrite(os.path.join(d, 'mm_array.mtx'), m); save('mm_array', m); names.append('mm_array.mtx')
scipy.io.mmwrite(os.path.join(d, 'mm_coo.mtx'), scipy.sparse.coo_matrix(m)); save('mm_coo', m); names.append('mm_coo.mtx')
s = np.array([[2.0, -1, 0], [-1, 2, -1], [0, -1, 2]])
scipy.io.mmwrite(os.path.join(d, 'mm_sym.mtx'), scipy.sparse.coo_matrix(s), symmetry='symmetric'); save('mm_sym', s); names.append('mm_sym.mtx')
scipy.io.mmwrite(os.path.join(d, 'mm_symarr.mtx'), s, symmetry='symmetric'); save('mm_symarr', s); names.append('mm_symarr.mtx')
k = np.array([[0.0, 2, -3], [-2, 0, 4], [3, -4, 0]])
scipy.io.mmwrite(os.path.join(d, 'mm_skew.mtx'), scipy.sparse.coo_matrix(k), symmetry='skew-symmetric'); save('mm_skew', k); names.append('mm_skew.mtx')
scipy.io.mmwrite(os.path.join(d, 'mm_int.mtx'), scipy.sparse.coo_matrix(base), field='integer'); save('mm_int', base); names.append('mm_int.mtx')
scipy.io.mmwrite(os.path.join(d, 'mm_pat.mtx'), scipy.sparse.coo_matrix(m), field='pattern'); save('mm_pat', m != 0); names.append('mm_pat.mtx')
np.savetxt(os.path.join(d, 'txt_plain.txt'), m); save('txt_plain', m); names.append('txt_plain.txt')
np.savetxt(os.path.join(d, 'txt_header.csv'), m, delimiter=',', header='a,b,c', comments=''); save('txt_header', m); names.append('txt_header.csv')
np.savetxt(os.path.join(d, 'txt_tab.tsv'), m, delimiter='\t', fmt='%.17g'); save('txt_tab', m); names.append('txt_tab.tsv')
print('\n'.join(names))
)PY");
    QProcess p;
    p.start(python, {QStringLiteral("-c"), script, dir});
    QVERIFY(p.waitForFinished(120000));
    const QByteArray out = p.readAllStandardOutput();
    if (out.trimmed() == "SKIP")
        QSKIP("numpy/scipy are not installed for /usr/bin/python3");
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData()); // NumPy read our files right

    const QList<QByteArray> names = out.trimmed().split('\n');
    QVERIFY(names.size() >= 44);
    for (const QByteArray &name : names) {
        const QString file = dir + QLatin1Char('/') + QString::fromUtf8(name);
        const QString ref = dir + QStringLiteral("/ref_") + QFileInfo(file).completeBaseName() + QStringLiteral(".npy");
        const LoadResult got = core::loadMatrixFile(str(file));
        const LoadResult want = core::loadMatrixFile(str(ref));
        QVERIFY2(got.ok(), core::describeLoadError(str(file), got.error).c_str());
        QVERIFY2(want.ok(), core::describeLoadError(str(ref), want.error).c_str());
        QCOMPARE(got.matrix->channels.size(), want.matrix->channels.size());
        for (std::size_t c = 0; c < want.matrix->channels.size(); ++c)
            QVERIFY2(bitwiseEqual(got.matrix->channels[c], want.matrix->channels[c]),
                     qPrintable(QStringLiteral("%1, channel %2").arg(QString::fromUtf8(name)).arg(c)));
    }
}

// Fuzzing campaign findings that are valid enough to load: our reading must agree with matio's.
void TestMatrixIo::fuzzFindingsThatLoad()
{
    // A v4 name whose terminating byte is not NUL: matio drops the last byte of the name, and so
    // does the layout check (they disagreed, and the file was refused).
    const QString path = freshDir() + QStringLiteral("/m.mat");
    QVERIFY(writeBytes(path, regressionFile("mat", "v4-name-without-nul.mat")));
    const LoadResult r = core::loadMatrixFile(str(path));
    QVERIFY2(r.ok(), core::describeLoadError(str(path), r.error).c_str());
    QVERIFY2(r.matrix->format.find("variable 'A'") != std::string::npos, r.matrix->format.c_str());
    QCOMPARE(r.matrix->channels[0].rows(), Eigen::Index(2));
    QCOMPARE(r.matrix->channels[0].cols(), Eigen::Index(3));
}

QTEST_APPLESS_MAIN(TestMatrixIo)

#include "tst_matrixio.moc"
