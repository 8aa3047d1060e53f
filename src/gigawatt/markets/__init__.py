"""Markets: the announcement event study (MacKinlay 1997; Brown and Warner 1985).

`eventstudy` is the method on aligned return arrays (pure NumPy); `prices` reads and checks the
user's price files (pandas, at the edge); `study` runs a catalog event on them; `events` lists the
catalog's announcement events.
"""

from gigawatt.markets.eventstudy import (
    MODELS,
    Car,
    EventStudy,
    NormalModel,
    abnormal_returns,
    event_study,
    fit_normal_model,
)

__all__ = [
    "MODELS",
    "Car",
    "EventStudy",
    "NormalModel",
    "abnormal_returns",
    "event_study",
    "fit_normal_model",
]
