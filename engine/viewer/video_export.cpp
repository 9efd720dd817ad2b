#include "video_export.h"

#include <QDateTime>
#include <QDir>
#include <QProcess>
#include <QStandardPaths>
#include <stdexcept>

namespace coinrun::viewer {
namespace {
// Encoding a few minutes of 512 x 512 frames takes seconds; this only bounds a stuck ffmpeg.
constexpr int kFfmpegTimeoutMs = 120'000;
constexpr const char* kFramePattern = "frame_%06d.png";
}  // namespace

QString default_video_dir() {
  return QStringLiteral("coinrun-video-") +
         QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
}

QStringList VideoExporter::ffmpeg_args(const QString& dir, double fps) {
  return {QStringLiteral("-y"),
          QStringLiteral("-loglevel"),
          QStringLiteral("error"),
          QStringLiteral("-framerate"),
          QString::number(fps),
          QStringLiteral("-i"),
          QDir(dir).filePath(kFramePattern),
          QStringLiteral("-pix_fmt"),
          QStringLiteral("yuv420p"),
          QDir(dir).filePath(QStringLiteral("video.mp4"))};
}

void VideoExporter::start(const QString& dir, double fps) {
  if (!QDir().mkpath(dir)) {
    throw std::runtime_error("cannot create the video directory '" + dir.toStdString() + "'");
  }
  dir_ = dir;
  fps_ = fps;
  frames_ = 0;
  error_.clear();
  active_ = true;
}

bool VideoExporter::add_frame(const QImage& frame) {
  if (!active_) return false;
  const QString path = QDir(dir_).filePath(QString::asprintf(kFramePattern, frames_));
  if (!frame.save(path, "PNG")) {
    error_ = QStringLiteral("cannot write %1").arg(path);
    active_ = false;
    return false;
  }
  ++frames_;
  return true;
}

QString VideoExporter::finish(bool encode) {
  active_ = false;
  const QStringList args = ffmpeg_args(dir_, fps_);
  const QString summary = QStringLiteral("%1 frames in %2").arg(frames_).arg(dir_);
  if (frames_ == 0) return summary;
  const QString ffmpeg = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
  if (!encode || ffmpeg.isEmpty()) {
    return summary + QStringLiteral("; make an MP4 with: ffmpeg ") + args.join(' ');
  }
  QProcess p;
  p.start(ffmpeg, args);
  if (!p.waitForFinished(kFfmpegTimeoutMs) || p.exitCode() != 0) {
    p.kill();
    return summary + QStringLiteral("; ffmpeg failed (%1), run it by hand: ffmpeg ")
                         .arg(QString::fromLocal8Bit(p.readAllStandardError()).trimmed()) +
           args.join(' ');
  }
  return summary + QStringLiteral(" and %1").arg(QDir(dir_).filePath("video.mp4"));
}

}  // namespace coinrun::viewer
