#pragma once
// Reading and writing recorded episode files (JSON, format "coinrun-episode" version 1,
// described in docs/viewer.md). pyclient/coinrun/recording.py writes the same format.
#include <QString>
#include <stdexcept>

#include "play_loop.h"

namespace coinrun::viewer {

class EpisodeFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kEpisodeFormatVersion = 1;

// Throws EpisodeFileError with the path and the reason.
void save_episode(const EpisodeRecord& rec, const QString& path);
EpisodeRecord load_episode(const QString& path);

// The state JSON that --print-state writes (tests read it).
QByteArray state_json(const PlayLoop& loop);

}  // namespace coinrun::viewer
