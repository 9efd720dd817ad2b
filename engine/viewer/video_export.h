#pragma once
// Video export as a numbered PNG frame sequence (QImage::save, no extra library). When the
// sequence ends, ffmpeg (if on PATH) turns it into an MP4; otherwise the command to run is
// returned so that the user can do it later (docs/viewer.md).
#include <QImage>
#include <QString>

namespace coinrun::viewer {

class VideoExporter {
 public:
  // Starts a new sequence in `dir` (created if missing). Throws std::runtime_error if the
  // directory cannot be created.
  void start(const QString& dir, double fps);
  // Appends one frame; returns false (and stops) if it cannot be written.
  bool add_frame(const QImage& frame);
  // Ends the sequence. Returns a one-line summary: the MP4 written, or the ffmpeg command.
  QString finish(bool encode = true);

  bool active() const { return active_; }
  int frames() const { return frames_; }
  const QString& dir() const { return dir_; }
  QString error() const { return error_; }

  // The ffmpeg command line that turns `dir`'s frames into `dir`/video.mp4.
  static QStringList ffmpeg_args(const QString& dir, double fps);

 private:
  QString dir_;
  double fps_ = 15;
  int frames_ = 0;
  bool active_ = false;
  QString error_;
};

// Default directory for a recording started with R: ./coinrun-video-YYYYmmdd-HHMMSS.
QString default_video_dir();

}  // namespace coinrun::viewer
